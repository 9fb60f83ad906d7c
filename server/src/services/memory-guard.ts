// A global guard on the memory that request bodies in flight will take: a chat request's body is parsed,
// its images decoded and checked, stored, and serialized again for the model, so it costs several times its
// size until the question is on its way. Before the body is read, the guard projects the heap with this
// request's share and answers 503 `busy` (with Retry-After) when that would pass a fraction of the heap limit,
// rather than letting the process run out of memory and take every trader's answer down with it.
import { getHeapStatistics } from 'node:v8';

export interface MemoryGuard {
  /** Admits a body of `bytes`, returning its release (idempotent); null when admitting it would not be safe. */
  admit(bytes: number): (() => void) | null;
  readonly inFlightBytes: number;
}

export interface MemoryGuardOptions {
  /** V8's heap limit (--max-old-space-size), by default the process's own. */
  heapLimitBytes?: number;
  /** The share of the limit the projection may reach. */
  ceiling?: number;
  /** How many times its size a body costs while it is handled (measured: about 5 for a 28 MB chat body). */
  costFactor?: number;
  /** Heap in use now (on-heap plus external buffers); tests replace it. */
  used?: () => number;
}

export function createMemoryGuard(options: MemoryGuardOptions = {}): MemoryGuard {
  const limit = options.heapLimitBytes ?? getHeapStatistics().heap_size_limit;
  const ceiling = (options.ceiling ?? 0.7) * limit;
  const factor = options.costFactor ?? 5;
  const used =
    options.used ??
    (() => {
      const memory = process.memoryUsage();
      return memory.heapUsed + memory.external;
    });
  let inFlight = 0;
  return {
    get inFlightBytes() {
      return inFlight;
    },
    admit(bytes) {
      // What is in use already includes part of what is in flight: counting both errs on the safe side.
      if (used() + (inFlight + bytes) * factor > ceiling) return null;
      inFlight += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= bytes;
      };
    },
  };
}

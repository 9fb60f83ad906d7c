// A global guard on the memory that request bodies in flight will take: a chat request's body is parsed,
// its images decoded and checked, stored, and serialized again for the model, so it costs several times its
// size until the question is on its way. Before the body is read, the guard projects the heap with this
// request's share and answers 503 `busy` (with Retry-After) when that would pass a fraction of the heap limit,
// rather than letting the process run out of memory and take every trader's answer down with it.
import { getHeapStatistics } from 'node:v8';
import type { MemoryGuardOptions } from '../config/memory-guard.js';

export type { MemoryGuardOptions };

export interface MemoryGuard {
  /** Admits a body of `bytes`, returning its release (idempotent); null when admitting it would not be safe. */
  admit(bytes: number): (() => void) | null;
  readonly inFlightBytes: number;
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

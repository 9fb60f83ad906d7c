// A global guard on the memory that request bodies in flight will take: a chat request's body is parsed,
// its images decoded and checked, stored, and serialized again for the model, so it costs several times its
// size until the question is on its way. A body is charged as its bytes arrive (a client that declares a large
// body and trickles it holds only what it has sent), and each charge projects the heap with what is in flight:
// past a fraction of the heap limit the guard refuses, and the route answers 503 `busy` (with Retry-After),
// rather than letting the process run out of memory and take every trader's answer down with it.
import { getHeapStatistics } from 'node:v8';
import type { MemoryGuardOptions } from '../config/memory-guard.js';

export type { MemoryGuardOptions };

/** One body's share of the guard. */
export interface MemoryCharge {
  /** Adds `bytes` that have arrived; false (and nothing added) when that would not be safe. */
  add(bytes: number): boolean;
  /** Gives the whole share back; idempotent. */
  release(): void;
}

export interface MemoryGuard {
  /** Whether a body of `bytes` would fit now (nothing is taken): a declared size checked before reading. */
  fits(bytes: number): boolean;
  /** Opens a body's share, empty until its bytes arrive. */
  open(): MemoryCharge;
  readonly inFlightBytes: number;
}

export function createMemoryGuard(options: MemoryGuardOptions = {}): MemoryGuard {
  const limit = options.heapLimitBytes ?? getHeapStatistics().heap_size_limit;
  const ceiling = (options.ceiling ?? 0.7) * limit;
  const factor = options.costFactor ?? 5;
  // V8's own figures, as process.memoryUsage() reports them (heapUsed, external) without its read of the
  // resident set from /proc, which made it some 25 times dearer on every chat request.
  const used =
    options.used ??
    (() => {
      const heap = getHeapStatistics();
      return heap.used_heap_size + heap.external_memory;
    });
  let inFlight = 0;
  // What is in use already includes part of what is in flight: counting both errs on the safe side.
  const fits = (bytes: number) => used() + (inFlight + bytes) * factor <= ceiling;
  return {
    get inFlightBytes() {
      return inFlight;
    },
    fits,
    open() {
      let held = 0;
      let released = false;
      return {
        add(bytes) {
          if (released || !fits(bytes)) return false;
          held += bytes;
          inFlight += bytes;
          return true;
        },
        release() {
          if (released) return;
          released = true;
          inFlight -= held;
        },
      };
    },
  };
}

// The memory guard's settings (services/memory-guard.ts), declared here so that Config can carry them without
// config importing a service.
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

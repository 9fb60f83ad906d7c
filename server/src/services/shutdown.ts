// The server's shutdown as its parts see it: whether it has begun, and how long is left before each step of a
// stopped turn must be done, so that the turn is kept (in the database, else in the outbox) and the trader told to
// ask again before the process exits at its cap (server.ts). A deploy's SIGTERM: the open answers are stopped at
// once; a call the model had not yet begun is read for its count (COUNT_BY_MS); the turn is recorded, or kept in the
// outbox (KEEP_BY_MS); the final event goes out; the pools close.
import { setMaxListeners } from 'node:events';

/** The process exits this long after a stop signal, whatever is still running. */
export const SHUTDOWN_CAP_MS = 10_000;
/** A call stopped by the shutdown before its first event is read for that event's count until this long after. */
export const SHUTDOWN_COUNT_BY_MS = 5_000;
/** A stopped turn's statements may run until this long after the shutdown began; then the turn goes to the outbox. */
export const SHUTDOWN_KEEP_BY_MS = 8_000;

export interface Shutdown {
  /** Aborted when the shutdown begins. */
  readonly signal: AbortSignal;
  /** Milliseconds left until `offsetMs` after the shutdown began: Infinity before it began, 0 once past. */
  left(offsetMs: number): number;
}

export function shutdownClock(): Shutdown & { begin(): void } {
  const controller = new AbortController();
  // Every turn being settled listens for it: a burst holds hundreds at once, which is not a leak (Node 20 warned
  // past 10 listeners on one signal).
  setMaxListeners(0, controller.signal);
  let since: number | null = null;
  return {
    signal: controller.signal,
    begin() {
      if (since !== null) return;
      since = performance.now();
      controller.abort();
    },
    left(offsetMs) {
      return since === null ? Number.POSITIVE_INFINITY : Math.max(0, since + offsetMs - performance.now());
    },
  };
}

/**
 * `work`, or a rejection once `offsetMs` after the shutdown began has passed, whichever comes first; before the
 * shutdown, `work` alone. What `work` does goes on (a statement cannot be taken back): only the wait ends.
 */
export function beforeShutdownStep<T>(
  work: Promise<T>,
  shutdown: Shutdown | undefined,
  offsetMs: number,
  what: string,
): Promise<T> {
  if (!shutdown) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const bound = () => {
      timer = setTimeout(
        () => reject(new Error(`shutting down: ${what} did not finish in time`)),
        shutdown.left(offsetMs),
      );
    };
    if (shutdown.signal.aborted) bound();
    else shutdown.signal.addEventListener('abort', bound, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      shutdown.signal.removeEventListener('abort', bound);
    });
  });
}

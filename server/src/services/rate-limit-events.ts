// Records rejected requests in rate_limit_events off the request path: record() only appends to a
// bounded in-memory batch; a timer (or a full batch) writes it in one INSERT. A database failure costs
// the batch and a log line, never a request.
import type { Queryable } from '../db/database.js';
import type { WindowName } from './rate-limiter.js';

export interface RateLimitEvent {
  userId: string;
  tier: string;
  /** The route pattern, e.g. /api/v1/chat/stream. */
  route: string;
  window: WindowName;
  limit: number;
  requestId: string | null;
  at: Date;
}

export interface RateLimitEventsLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface RateLimitEventRecorderOptions {
  db: Queryable;
  log: RateLimitEventsLog;
  /** How often buffered events are written. */
  flushIntervalMs?: number;
  /** Rows per INSERT; a batch this full is written at once. */
  batchSize?: number;
  /** Events held while the database is slow or away; beyond this new events are dropped (and counted). */
  maxBuffered?: number;
}

export interface RateLimitEventRecorder {
  /** Never throws, never waits. */
  record(event: RateLimitEvent): void;
  /** Writes everything buffered so far; resolves when done, never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

const COLUMNS_PER_ROW = 7;

function insertStatement(events: readonly RateLimitEvent[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const rows = events.map((event, row) => {
    params.push(event.userId, event.tier, event.route, event.window, event.limit, event.requestId, event.at);
    const base = row * COLUMNS_PER_ROW;
    return `(${Array.from({ length: COLUMNS_PER_ROW }, (_, column) => `$${base + column + 1}`).join(', ')})`;
  });
  return {
    text: `INSERT INTO rate_limit_events (user_id, tier, route, "window", "limit", request_id, created_at)
           VALUES ${rows.join(', ')}`,
    params,
  };
}

export function createRateLimitEventRecorder(options: RateLimitEventRecorderOptions): RateLimitEventRecorder {
  const { db, log } = options;
  const batchSize = options.batchSize ?? 100;
  const maxBuffered = options.maxBuffered ?? 10_000;
  let buffer: RateLimitEvent[] = [];
  let dropped = 0;
  let draining: Promise<void> | null = null;

  const writeBatch = async (batch: RateLimitEvent[]) => {
    const { text, params } = insertStatement(batch);
    try {
      await db.query(text, params);
    } catch (error) {
      log.warn(
        { err: error instanceof Error ? { message: error.message } : { message: String(error) }, lost: batch.length },
        'could not record rate limit events',
      );
    }
  };

  // One drain at a time; it runs until the buffer is empty, so whoever awaits it sees every event recorded
  // before it finished written (or logged as lost).
  const drain = async () => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, batchSize);
      buffer = buffer.slice(batch.length);
      await writeBatch(batch);
    }
    if (dropped > 0) {
      log.warn({ dropped }, 'rate limit events dropped: the buffer was full');
      dropped = 0;
    }
  };
  const flush = (): Promise<void> => {
    draining ??= drain().finally(() => {
      draining = null;
    });
    return draining;
  };

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1_000);
  // The timer alone must not keep the process alive.
  timer.unref();

  return {
    record(event) {
      if (buffer.length >= maxBuffered) {
        dropped += 1;
        return;
      }
      buffer.push(event);
      if (buffer.length === batchSize) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

// Records rejected requests in rate_limit_events off the request path: record() only appends to a
// bounded in-memory batch; a timer (or a full batch) writes it in one INSERT. A database failure costs
// the batch and a log line, never a request. At most one row per trader, route and window a minute.
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
  /**
   * One row per trader, route and window in this long (default a minute; 0 keeps every rejection). A client that
   * kept asking once refused wrote a row per refusal: 38,000 rows in 15 s from one free account, 40 GB a day.
   */
  sameEventEveryMs?: number;
}

/** Traders whose last row this process remembers, at most: past it, the oldest are forgotten first. */
const MAX_REMEMBERED = 50_000;

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
  const sameEventEveryMs = options.sameEventEveryMs ?? 60_000;
  /** When each trader, route and window last got a row (insertion order is age order: a key is re-inserted). */
  const lastRow = new Map<string, number>();
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
      if (sameEventEveryMs > 0) {
        const key = `${event.userId}\u0000${event.route}\u0000${event.window}`;
        const at = event.at.getTime();
        const last = lastRow.get(key);
        if (last !== undefined && at - last < sameEventEveryMs) return;
        lastRow.delete(key);
        lastRow.set(key, at);
        if (lastRow.size > MAX_REMEMBERED) lastRow.delete(lastRow.keys().next().value!);
      }
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

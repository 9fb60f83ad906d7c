// A coaching turn is never lost. Its settling statement (coaching-turns.ts finish) is idempotent, so it is
// retried with backoff; if the database still refuses it, the turn is written to a durable outbox (one file
// per turn in DATA_DIR/outbox, written before the stream ends) and replayed at start and on a timer. A
// reservation whose turn never settled at all (the process died mid-answer) is settled by the sweeper: it
// bills the reservation itself (input estimate + the answer's budget, an upper bound) and logs it.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { costUsd, type PriceLookup } from '../config/pricing.js';
import type { Queryable } from '../db/database.js';
import { coachingTurnsRepository, type FinishedTurn, type FinishTurn } from '../db/repositories/coaching-turns.js';
import { beforeShutdownStep, SHUTDOWN_KEEP_BY_MS, type Shutdown } from './shutdown.js';

/** Waits before each retry of the settling statement: about 3 s in all, while the trader's stream waits. */
export const SETTLE_RETRY_DELAYS_MS = [50, 250, 1_000, 2_000] as const;

export interface TurnOutbox {
  /** Durable when it resolves (written, synced, renamed into place). */
  put(turn: FinishTurn): Promise<void>;
  /** The turns waiting, and the files that cannot be read as one (moved aside by `setAside`). */
  list(): Promise<{ turns: FinishTurn[]; unreadable: string[] }>;
  remove(turnId: string): Promise<void>;
  /** Moves a file the database will never accept (or that cannot be read) to `failed/`, for an operator. */
  setAside(name: string): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One JSON file per turn, named by the turn's id; a file is only ever seen whole (written, then renamed). */
export function fileOutbox(dir: string): TurnOutbox {
  const ready = mkdir(dir, { recursive: true, mode: 0o700 });
  // A folder that cannot be made fails each put and list that awaits it, not the process (server.ts checks DATA_DIR
  // at start; this is a folder that became unwritable later).
  ready.catch(() => undefined);
  const fileOf = (turnId: string): string => {
    if (!UUID.test(turnId)) throw new Error(`not a turn id: ${turnId}`);
    return join(dir, `${turnId}.json`);
  };
  return {
    async put(turn) {
      await ready;
      const temporary = join(dir, `.${randomUUID()}.tmp`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(turn));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, fileOf(turn.assistantMessageId));
    },
    async list() {
      await ready;
      const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
      const turns: FinishTurn[] = [];
      const unreadable: string[] = [];
      for (const name of names) {
        try {
          const turn = JSON.parse(await readFile(join(dir, name), 'utf8')) as FinishTurn;
          if (!UUID.test(turn.assistantMessageId)) throw new Error('no turn id');
          if (turn.usage) {
            turn.usage.billingPeriodStart = new Date(turn.usage.billingPeriodStart);
            if (turn.usage.createdAt) turn.usage.createdAt = new Date(turn.usage.createdAt);
          }
          turns.push(turn);
        } catch {
          unreadable.push(name);
        }
      }
      return { turns, unreadable };
    },
    async remove(turnId) {
      await rm(fileOf(turnId), { force: true });
    },
    async setAside(name) {
      await mkdir(join(dir, 'failed'), { recursive: true, mode: 0o700 });
      await rename(join(dir, name), join(dir, 'failed', name));
    },
  };
}

export interface SettlementDeps {
  db: Queryable;
  outbox: TurnOutbox;
  log: Pick<FastifyBaseLogger, 'warn' | 'error' | 'info'>;
  retryDelaysMs?: readonly number[];
  /**
   * Once the server shuts down, retries are skipped and the statement may run until SHUTDOWN_KEEP_BY_MS after the
   * shutdown began; then the turn goes to the outbox. Without that bound a statement waiting for a connection to an
   * unreachable database (30 s at most, `connectionTimeoutMillis`) outlived the process's 10 s, and the turn was in
   * neither the database nor the outbox. A statement that commits after all is harmless: recording is idempotent.
   */
  shutdown?: Shutdown;
}

export type Settlement =
  | ({ kind: 'settled' } & FinishedTurn)
  /** The database refused every attempt: the turn waits in the outbox. */
  | { kind: 'queued' }
  /** Not even the outbox could keep it (the disk failed too): the sweeper will bill its reservation. */
  | { kind: 'failed' };

/** Settles a turn now, or keeps it for later. Never throws. */
export async function settleTurn(deps: SettlementDeps, turn: FinishTurn): Promise<Settlement> {
  const turns = coachingTurnsRepository(deps.db);
  const delays = deps.retryDelaysMs ?? SETTLE_RETRY_DELAYS_MS;
  const { shutdown } = deps;
  let lastError: unknown;
  for (let attempt = 0; attempt <= delays.length; attempt += 1) {
    if (attempt > 0) {
      // Shutting down: the attempt just made was the last (a shutdown during the wait still gets one).
      if (shutdown?.signal.aborted) break;
      await sleep(delays[attempt - 1], undefined, shutdown ? { signal: shutdown.signal } : {}).catch(() => undefined);
    }
    try {
      const finished = await beforeShutdownStep(turns.finish(turn), shutdown, SHUTDOWN_KEEP_BY_MS, 'the statement');
      return { kind: 'settled', ...finished };
    } catch (error) {
      lastError = error;
    }
  }
  const context = { err: lastError, turnId: turn.assistantMessageId, requestId: turn.usage?.requestId };
  try {
    await deps.outbox.put(turn);
    deps.log.warn(context, 'could not record the coaching turn: kept in the outbox for replay');
    return { kind: 'queued' };
  } catch (error) {
    deps.log.error({ ...context, outboxError: error }, 'could not record the coaching turn, nor keep it in the outbox');
    return { kind: 'failed' };
  }
}

/**
 * SQLSTATE classes that mean the turn itself is wrong, not the database away: 22 (data exception, such as a
 * NUL in the text), 23 (integrity constraint). Such a turn would fail for ever; it is set aside instead.
 */
const isDataError = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
};

/** Settles every turn in the outbox that the database now accepts; returns how many left it. */
export async function replayOutbox(deps: SettlementDeps): Promise<number> {
  const turns = coachingTurnsRepository(deps.db);
  const waiting = await deps.outbox.list();
  for (const name of waiting.unreadable) {
    deps.log.error({ file: name }, 'an outbox file cannot be read: moved to outbox/failed');
    await deps.outbox.setAside(name).catch(() => undefined);
  }
  let replayed = 0;
  for (const turn of waiting.turns) {
    const context = { turnId: turn.assistantMessageId, requestId: turn.usage?.requestId };
    try {
      const finished = await turns.finish(turn);
      // Settled meanwhile by a sweeper (this turn waited longer than its threshold): its bill is put right.
      const corrected = !finished.settled && turn.usage !== null && (await turns.correctSwept(turn.usage));
      await deps.outbox.remove(turn.assistantMessageId);
      replayed += 1;
      deps.log.info(
        { ...context, alreadySettled: !finished.settled, sweptBillCorrected: corrected },
        'recorded a coaching turn from the outbox',
      );
    } catch (error) {
      if (isDataError(error)) {
        deps.log.error({ ...context, err: error }, 'the database refuses this turn: moved to outbox/failed');
        await deps.outbox.setAside(`${turn.assistantMessageId}.json`).catch(() => undefined);
      } else {
        // Still away: each turn is tried on its own, and the next pass tries again.
        deps.log.warn({ ...context, err: error }, 'a coaching turn in the outbox could not be recorded yet');
      }
    }
  }
  return replayed;
}

export interface SweepDeps {
  db: Queryable;
  priceFor: PriceLookup;
  log: Pick<FastifyBaseLogger, 'warn'>;
  /** A reservation older than this has no live stream behind it (the longest stream, plus a margin). */
  staleAfterMs: number;
  batch?: number;
}

/** Settles reservations whose turns never settled, billing each its reservation; returns how many. */
export async function sweepReservations(deps: SweepDeps): Promise<number> {
  const turns = coachingTurnsRepository(deps.db);
  let swept = 0;
  for (const stale of await turns.stale(deps.staleAfterMs, deps.batch ?? 100)) {
    const tokens = { inputTokens: stale.inputTokens, outputTokens: stale.tokens - stale.inputTokens };
    const price = deps.priceFor(stale.model, stale.createdAt);
    const usage = { ...tokens, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const finished = await turns.finish({
      assistantMessageId: stale.turnId,
      answer: '',
      refusedQuestionId: null,
      usage: {
        userId: stale.userId,
        conversationId: stale.conversationId,
        requestId: stale.requestId,
        model: stale.model,
        ...usage,
        costUsd: price ? costUsd(price, usage) : 0,
        latencyMs: null,
        ttftMs: null,
        status: 'error',
        errorCode: 'unsettled',
        billingPeriodStart: stale.periodStart,
        quotaTokens: stale.tokens,
      },
    });
    if (!finished.settled) continue; // settled meanwhile (a replay, or the stream itself)
    swept += 1;
    deps.log.warn(
      { turnId: stale.turnId, requestId: stale.requestId, userId: stale.userId, tokens: stale.tokens },
      'settled a coaching turn that never finished: billed its reservation',
    );
  }
  return swept;
}

/**
 * Wakes whoever waits for a turn to be settled. Settling in this process signals at once; a turn settled by
 * another instance (or replayed from the outbox) is seen by the waiter's next look at the database.
 */
export function settledSignal() {
  const waiters = new Map<string, Set<() => void>>();
  return {
    notify(turnId: string): void {
      for (const wake of waiters.get(turnId) ?? []) wake();
      waiters.delete(turnId);
    },
    /** Resolves when `turnId` is signalled, or after `ms`. */
    wait(turnId: string, ms: number): Promise<void> {
      return new Promise((resolve) => {
        const set = waiters.get(turnId) ?? new Set<() => void>();
        waiters.set(turnId, set);
        const wake = () => {
          clearTimeout(timer);
          set.delete(wake);
          if (set.size === 0 && waiters.get(turnId) === set) waiters.delete(turnId);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        set.add(wake);
      });
    },
  };
}

/** How often a waiter looks at the database again, for turns settled elsewhere. */
const SETTLED_RECHECK_MS = 250;

/** Whether the user's request `requestId` has no unsettled turn, waiting up to `timeoutMs` for it to settle. */
export async function whenSettled(
  deps: { db: Queryable; signal: ReturnType<typeof settledSignal> },
  userId: string,
  requestId: string,
  timeoutMs: number,
): Promise<boolean> {
  const turns = coachingTurnsRepository(deps.db);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const turnId = await turns.unsettled(userId, requestId);
    if (!turnId) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await deps.signal.wait(turnId, Math.min(left, SETTLED_RECHECK_MS));
  }
}

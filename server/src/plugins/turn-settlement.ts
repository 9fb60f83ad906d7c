// Records coaching turns even when the database fails at the end of one: `app.turns.settle` retries, then
// keeps the turn in the outbox (DATA_DIR/outbox); the outbox is replayed at start and on a timer, and the
// sweeper settles reservations whose turns never finished. See services/turn-settlement.ts.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/env.js';
import { priceLookup } from '../config/pricing.js';
import type { FinishTurn } from '../db/repositories/coaching-turns.js';
import {
  SETTLE_RETRY_DELAYS_MS,
  fileOutbox,
  replayOutbox,
  settleTurn,
  settledSignal,
  sweepReservations,
  whenSettled,
  type Settlement,
  type TurnOutbox,
} from '../services/turn-settlement.js';

declare module 'fastify' {
  interface FastifyInstance {
    turns: {
      /** Records a finished turn now, or keeps it for replay. Never throws. */
      settle(turn: FinishTurn): Promise<Settlement>;
      /**
       * Whether the user's request has no unsettled turn, waiting up to `timeoutMs` for it: a client that let go
       * of an answer (Stop) reads its usage once, after the server has recorded it.
       */
      whenSettled(userId: string, requestId: string, timeoutMs: number): Promise<boolean>;
      /** Replays the outbox, then sweeps stale reservations (the timers call it; tests may too). */
      recover(): Promise<{ replayed: number; swept: number }>;
      outbox: TurnOutbox;
    };
  }
}

/** How often the outbox is replayed and stale reservations are swept (one indexed query when there are none). */
const RECOVER_INTERVAL_MS = 30_000;
const SWEEP_MARGIN_MS = 5 * 60_000;

export const turnSettlementPlugin = fp<{ config: Config }>(
  async (app: FastifyInstance, { config }) => {
    const settings = config.settlement ?? {};
    const outbox = fileOutbox(join(config.dataDir, 'outbox'));
    const deps = {
      db: app.db,
      outbox,
      log: app.log,
      shutdown: app.shutdown,
      ...(settings.retryDelaysMs ? { retryDelaysMs: settings.retryDelaysMs } : {}),
    };
    const priceFor = priceLookup(config.anthropic.coach);
    // No live turn is that old: the longest stream, its last write waiting on a slow reader, the settling retries.
    const retries = (settings.retryDelaysMs ?? SETTLE_RETRY_DELAYS_MS).reduce((sum, delay) => sum + delay, 0);
    const staleAfterMs =
      settings.staleAfterMs ?? config.anthropic.streamTimeoutMs + config.sseWriteTimeoutMs + retries + SWEEP_MARGIN_MS;

    let running: Promise<{ replayed: number; swept: number }> | null = null;
    const recover = (): Promise<{ replayed: number; swept: number }> => {
      // One pass at a time: a slow database must not stack passes up.
      running ??= (async () => {
        const attempt = async (what: string, pass: () => Promise<number>): Promise<number> => {
          try {
            return await pass();
          } catch (error) {
            app.log.warn({ err: error }, `could not ${what} yet`);
            return 0;
          }
        };
        try {
          // Replay first: a turn in the outbox is billed what it used, not its reservation.
          const replayed = await attempt('replay the outbox', () => replayOutbox(deps));
          const swept = await attempt('sweep stale reservations', () =>
            sweepReservations({ db: app.db, priceFor, log: app.log, staleAfterMs }),
          );
          return { replayed, swept };
        } finally {
          running = null;
        }
      })();
      return running;
    };

    const timer = setInterval(() => void recover(), settings.recoverIntervalMs ?? RECOVER_INTERVAL_MS);
    timer.unref();
    app.addHook('onReady', async () => {
      void recover();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });

    const signal = settledSignal();
    const settle = async (turn: FinishTurn): Promise<Settlement> => {
      const settlement = await settleTurn(deps, turn);
      if (settlement.kind === 'settled') signal.notify(turn.assistantMessageId);
      return settlement;
    };
    app.decorate('turns', {
      settle,
      whenSettled: (userId: string, requestId: string, timeoutMs: number) =>
        whenSettled({ db: app.db, signal }, userId, requestId, timeoutMs),
      recover,
      outbox,
    });
  },
  { name: 'turn-settlement', dependencies: ['database'] },
);

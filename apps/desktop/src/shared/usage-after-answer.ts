// The one usage read a host makes when an answer's stream is over (main for the tray and the window, the
// web host for the page). A stopped answer is recorded by the server only once it sees the hang-up, which can
// come after our side has let go: the read then names the answer's request id (`?settled=`), and the server
// answers once it has recorded that answer (10 s at most). One read, no guessed pause.
import type { StreamOutcome } from './coach-client';

/** How an answer's stream ended, as the usage read needs it. */
export interface AnswerEnd {
  outcome: StreamOutcome | 'crashed';
  /** The server's id for the answer (its `stream_start`); null when the stream never started. */
  requestId: string | null;
}

/**
 * The request id a usage read must wait for: that of a stopped answer. Stopped even before the model began, its call
 * may have been sent, and the server records what it counted; a question stopped before it reached the model has
 * nothing to record, and the server answers at once.
 */
export const settledAfter = ({ outcome, requestId }: AnswerEnd): string | undefined =>
  outcome === 'cancelled' && requestId ? requestId : undefined;

/** GET /usage/current, waiting for `settled` (a stopped answer's request id) to be recorded when given. */
export const usageCurrentPath = (settled?: string): string =>
  settled ? `/usage/current?settled=${encodeURIComponent(settled)}` : '/usage/current';

// The one usage read a host makes when an answer's stream is over (main for the tray and the window, the
// web host for the page). A stopped answer is recorded by the server only once it sees the hang-up, which can
// come after our side has let go: the read then names the answer's request id (`?settled=`), and the server
// answers once it has recorded that answer (5 s at most). One read, no guessed pause.
import type { StreamOutcome } from './coach-client';

/** How an answer's stream ended, as the usage read needs it. */
export interface AnswerEnd {
  outcome: StreamOutcome | 'crashed';
  /** The model had begun the answer: even a cancelled one leaves a usage record on the server. */
  modelStarted: boolean;
  /** The server's id for the answer (its `stream_start`); null when the stream never started. */
  requestId: string | null;
}

/** The request id a usage read must wait for: that of an answer stopped after the model began it. */
export const settledAfter = ({ outcome, modelStarted, requestId }: AnswerEnd): string | undefined =>
  outcome === 'cancelled' && modelStarted && requestId ? requestId : undefined;

/** GET /usage/current, waiting for `settled` (a stopped answer's request id) to be recorded when given. */
export const usageCurrentPath = (settled?: string): string =>
  settled ? `/usage/current?settled=${encodeURIComponent(settled)}` : '/usage/current';

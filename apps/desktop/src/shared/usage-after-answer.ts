// The one usage read a host makes when an answer's stream is over (main for the tray and the window, the
// web host for the page). A stopped answer is the exception: the server records it only once it sees the
// hang-up, which can come after our side has let go. Then the read is repeated until the usage shows a new
// record, the sign that the server has settled it, rather than after a guessed pause.
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import type { HostResult } from './host-api';

/** Pauses between reads after a Stop, doubling; the last read is made at most ~3 s after the first. */
const STOPPED_BACKOFF_MS = [50, 100, 200, 400, 800, 1_600];

export async function readUsageAfterAnswer(options: {
  read: () => Promise<HostResult<UsageCurrentResponse>>;
  /** The last usage read before this answer ended; null when there is none to compare with. */
  before: UsageCurrentResponse | null;
  /** The trader stopped the answer after the model had begun it: a usage record is still to come. */
  stopped: boolean;
  wait?: (ms: number) => Promise<void>;
}): Promise<HostResult<UsageCurrentResponse>> {
  const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let usage = await options.read();
  const before = options.before;
  if (!options.stopped || !before) return usage;
  for (const pause of STOPPED_BACKOFF_MS) {
    if (!usage.ok || usage.value.requests > before.requests) return usage;
    await wait(pause);
    usage = await options.read();
  }
  return usage;
}

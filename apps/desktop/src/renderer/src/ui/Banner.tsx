// The one banner above the question box: why the last question was refused (rate limited, too many answers
// at once or a busy server, each with the wait counting down; quota spent, …) or, failing that, what is wrong
// with the server (offline; no API key, so the local chart reader answers alone).
import { useState } from 'react';
import { formatDay, formatTokens, formatWait } from '../lib/format';
import { LOCAL_READER_MESSAGE, OFFLINE_MESSAGE, type Notice } from '../lib/notices';
import { useConversationStore } from '../state/conversation-store';
import { useServerStore } from '../state/server-store';
import { useSessionStore } from '../state/session-store';
import { useUsageStore } from '../state/usage-store';
import { useCountdown } from './use-countdown';
import { PlanAction } from './UsageMeter';

/** "You can ask again in 42 s.", counting down to "You can ask again now." */
function Wait({ until }: { until: number }) {
  const left = useCountdown(until);
  return (
    <p data-testid="rate-limit-wait">
      {left > 0 ? `You can ask again in ${formatWait(left)}.` : 'You can ask again now.'}
    </p>
  );
}

const BUSY_TITLES: Record<Extract<Notice, { kind: 'busy' }>['code'], string> = {
  too_many_streams: 'Answers are still coming',
  busy: 'The server is busy',
};

function Refused({ title, message, until }: { title: string; message: string; until: number }) {
  return (
    <>
      <strong>{title}</strong>
      <p>{message}</p>
      <Wait until={until} />
    </>
  );
}

function QuotaExceeded({ notice }: { notice: Extract<Notice, { kind: 'quota_exceeded' }> }) {
  const renews = useUsageStore((state) => state.usage?.period.end ?? null);
  const tier = useUsageStore((state) => state.usage?.tier ?? null);
  const quota = notice.quota;
  // Refused with some tokens left: the question (its answer, and the conversation and charts the coach reads with
  // it) needs more than that. "Used up" beside a meter showing tokens left would contradict it.
  const left = quota?.remaining != null && quota.remaining > 0 ? quota.remaining : null;
  // Part of what is left is held by another answer still coming (another window, the quick question): it comes
  // back as that answer ends, so the trader is told to wait for it, not that the month is spent.
  const held = left !== null && notice.heldTokens > 0 ? Math.min(notice.heldTokens, left) : 0;
  return (
    <>
      <strong>
        {held > 0
          ? 'Wait for your other answer'
          : left !== null
            ? 'Not enough quota left for this question'
            : 'Monthly quota used up'}
      </strong>
      <p>
        {held > 0
          ? `${formatTokens(held)} of the ${formatTokens(left ?? 0)} coaching tokens left this month are held by an answer still coming (or one cut off, until it is settled, within about 20 minutes). Ask again once it ends: what it does not use comes back.`
          : left !== null
            ? `${formatTokens(left)} coaching tokens are left this month: this question needs more, with its answer and the conversation and charts the coach reads with it.`
            : quota?.limit != null
              ? `You have used ${formatTokens(quota.used)} of your ${formatTokens(quota.limit)} coaching tokens this month.`
              : notice.message}
      </p>
      <p data-testid="quota-renews">
        {renews ? `Your quota renews on ${formatDay(renews)}.` : 'Your quota renews with your next billing period.'}
      </p>
      {tier && <PlanAction tier={tier} />}
    </>
  );
}

function Body({ notice, dismiss }: { notice: Notice; dismiss: () => void }) {
  const signIn = useSessionStore((state) => state.signIn);
  const check = useServerStore((state) => state.check);
  const checkAgain = async (): Promise<void> => {
    await check();
    if (useServerStore.getState().reachability === 'online') dismiss();
  };
  switch (notice.kind) {
    case 'rate_limited':
      return <Refused title="Slow down a little" message={notice.message} until={notice.until} />;
    case 'busy':
      return <Refused title={BUSY_TITLES[notice.code]} message={notice.message} until={notice.until} />;
    case 'quota_exceeded':
      return <QuotaExceeded notice={notice} />;
    case 'unconfigured':
      return (
        <>
          <strong>Coaching is not set up</strong>
          <p>{notice.message}</p>
        </>
      );
    case 'local_reader':
      return (
        <>
          <strong>Local chart reader only</strong>
          <p>{notice.message}</p>
        </>
      );
    case 'offline':
      return (
        <>
          <strong>Server offline</strong>
          <p>{notice.message}</p>
          <button type="button" className="link-button" onClick={() => void checkAgain()}>
            Check again
          </button>
        </>
      );
    case 'signed_out':
      return (
        <>
          <p>{notice.message}</p>
          <button type="button" className="link-button" onClick={() => void signIn()}>
            Sign in
          </button>
        </>
      );
    case 'error':
      return <p>{notice.message}</p>;
  }
}

export function Banner() {
  const notice = useConversationStore((state) => state.notice);
  const dismissNotice = useConversationStore((state) => state.dismissNotice);
  const reachability = useServerStore((state) => state.reachability);
  const upstreamConfigured = useServerStore((state) => state.upstreamConfigured);
  // Once read, the local reader's banner may go: each of its answers says so again.
  const [readerSeen, setReaderSeen] = useState(false);
  const shown: Notice | null =
    notice ??
    (reachability === 'offline'
      ? { kind: 'offline', message: OFFLINE_MESSAGE }
      : upstreamConfigured === false && !readerSeen
        ? { kind: 'local_reader', message: LOCAL_READER_MESSAGE }
        : null);
  const dismiss = notice ? dismissNotice : shown?.kind === 'local_reader' ? () => setReaderSeen(true) : null;
  if (!shown) return null;
  // A wait, or the local reader answering, is news, not an alarm: announced politely.
  const severe = shown.kind !== 'rate_limited' && shown.kind !== 'busy' && shown.kind !== 'local_reader';
  return (
    <section
      className={`banner banner-${shown.kind}`}
      data-testid="notice"
      data-kind={shown.kind}
      role={severe ? 'alert' : 'status'}
    >
      <div className="banner-body">
        <Body notice={shown} dismiss={dismissNotice} />
      </div>
      {dismiss && (
        <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismiss}>
          ×
        </button>
      )}
    </section>
  );
}

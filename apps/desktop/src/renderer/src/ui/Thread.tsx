// The open conversation: earlier turns from the server's history (its newest page, with "Show earlier
// messages" for the rest), then the answer streaming in now with its state (reading the chart with the
// seconds it takes, streaming, cut short with Continue, stopped, failed with Retry).
import type { MessageItem } from '@strat-coach/server/contract';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { formatWait } from '../lib/format';
import { canRetry, type LiveAnswer } from '../lib/live-answer';
import { formatTokenCount } from '../shared';
import { useChartStore } from '../state/chart-store';
import { useConversationStore } from '../state/conversation-store';
import { AnswerMarkdown } from './AnswerMarkdown';
import { useCountdown } from './use-countdown';
import { useElapsedSeconds } from './use-elapsed';

function Question({ text, withChart }: { text: string; withChart: boolean }) {
  return (
    <div className="question" data-testid="question-bubble">
      {withChart && <span className="chip">Chart attached</span>}
      <p>{text}</p>
    </div>
  );
}

function HistoryMessage({ message }: { message: MessageItem }) {
  if (message.role === 'user') return <Question text={message.content} withChart={message.images.length > 0} />;
  return (
    <div className="answer" data-testid="history-answer">
      <AnswerMarkdown text={message.content} />
    </div>
  );
}

function RetryButton({ answer }: { answer: LiveAnswer }) {
  const retry = useConversationStore((state) => state.retry);
  const left = useCountdown(answer.retryAt);
  return (
    <button type="button" className="secondary" onClick={retry} disabled={left > 0}>
      {left > 0 ? `Retry in ${formatWait(left)}` : 'Retry'}
    </button>
  );
}

/** While nothing can be shown yet: the model reads the chart (it thinks before it writes). */
function Reading({ answer }: { answer: LiveAnswer }) {
  const seconds = useElapsedSeconds(answer.askedAt, true);
  const chartInPlay = useChartStore((state) => answer.withChart || state.sent.length > 0);
  return (
    <p className="status thinking" role="status" data-testid="coach-reading">
      {chartInPlay ? 'Reading the chart…' : 'Thinking it through…'} <span className="elapsed">{seconds} s</span>
    </p>
  );
}

function CutShort() {
  const continueAnswer = useConversationStore((state) => state.continueAnswer);
  return (
    <div className="status status-cut" role="status" data-testid="cut-short">
      <p>Cut short: the answer reached its length limit.</p>
      <button type="button" className="secondary" onClick={continueAnswer}>
        Continue
      </button>
    </div>
  );
}

function AnswerStatus({ answer }: { answer: LiveAnswer }) {
  switch (answer.phase) {
    case 'waiting':
    case 'thinking':
      return <Reading answer={answer} />;
    case 'streaming':
      return null;
    case 'complete':
      if (answer.cutShort) return <CutShort />;
      return answer.quota ? (
        <p className="status">
          {answer.quota.remaining !== null ? `${formatTokenCount(answer.quota.remaining)} left this month` : 'Done'}
        </p>
      ) : null;
    case 'stopped':
      return <p className="status">Stopped. The answer so far is kept in the conversation.</p>;
    case 'failed':
      return (
        <div className="status status-error" role="alert">
          <p>{answer.error?.message ?? 'The answer failed.'}</p>
          {canRetry(answer) && <RetryButton answer={answer} />}
        </div>
      );
  }
}

function Live({ answer }: { answer: LiveAnswer }) {
  return (
    <>
      <Question text={answer.question} withChart={answer.withChart} />
      <div className="answer live" data-testid="live-answer" data-phase={answer.phase} aria-live="polite">
        {answer.text !== '' && <AnswerMarkdown text={answer.text} />}
        {answer.phase === 'streaming' && <span className="cursor" aria-hidden="true" />}
        <AnswerStatus answer={answer} />
      </div>
    </>
  );
}

/** Loads the page before the oldest message shown; the thread keeps what the trader was looking at in place. */
function ShowEarlier({ onBeforeLoad }: { onBeforeLoad: () => void }) {
  const loadEarlier = useConversationStore((state) => state.loadEarlier);
  const loading = useConversationStore((state) => state.earlierStatus === 'loading');
  return (
    <button
      type="button"
      className="link-button earlier"
      disabled={loading}
      onClick={() => {
        onBeforeLoad();
        void loadEarlier();
      }}
    >
      {loading ? 'Loading earlier messages…' : 'Show earlier messages'}
    </button>
  );
}

export function Thread() {
  const history = useConversationStore((state) => state.history);
  const historyStatus = useConversationStore((state) => state.historyStatus);
  const hasEarlier = useConversationStore((state) => state.earlierCursor !== null);
  const live = useConversationStore((state) => state.live);
  const thread = useRef<HTMLElement>(null);
  const end = useRef<HTMLDivElement>(null);
  /** Distance from the bottom before an earlier page went in on top, to restore after it renders. */
  const fromBottom = useRef<number | null>(null);
  const liveText = live?.text;
  const newestId = history.at(-1)?.id;

  // Follow the answer as it grows, the way a chat does: on a new newest message, not on an earlier page.
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [newestId, liveText]);

  // An earlier page went in above: put the messages the trader was reading back where they were.
  useLayoutEffect(() => {
    const element = thread.current;
    if (!element || fromBottom.current === null) return;
    element.scrollTop = element.scrollHeight - fromBottom.current;
    fromBottom.current = null;
  }, [history]);

  const rememberPosition = (): void => {
    const element = thread.current;
    if (element) fromBottom.current = element.scrollHeight - element.scrollTop;
  };

  const empty = history.length === 0 && !live;
  return (
    <main className="thread" data-testid="thread" ref={thread}>
      {hasEarlier && <ShowEarlier onBeforeLoad={rememberPosition} />}
      {historyStatus === 'loading' && <p className="status">Loading the conversation…</p>}
      {historyStatus === 'error' && <p className="status status-error">This conversation could not be loaded.</p>}
      {empty && historyStatus !== 'loading' && (
        <div className="empty">
          <h2>Ask about a chart</h2>
          <p>
            Capture the chart (or paste or drop an image), then ask — for example “Is this a{' '}
            <span className="nowrap">2-1-2</span> on the <span className="nowrap">60-minute</span>?”
          </p>
        </div>
      )}
      {history.map((message) => (
        <HistoryMessage key={message.id} message={message} />
      ))}
      {live && <Live answer={live} />}
      <div ref={end} />
    </main>
  );
}

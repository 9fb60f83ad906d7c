// The open conversation: earlier turns from the server's history (its newest page, with "Show earlier
// messages" for the rest), then the answer streaming in now with its state (reading the chart with the
// seconds it takes, streaming, cut short with Continue, stopped, failed with Retry). Each turn is labelled
// "You" or "Coach"; questions show their charts (with the local chart reader's bar numbers); answers their plan
// card and actions, and say so when the local chart reader wrote them (a server without a model). The thread
// follows a streaming answer only while the reader is at the bottom ("Jump to latest" otherwise), and says once,
// politely, when an answer is done.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { formatWait } from '../lib/format';
import {
  canContinue,
  canContinueStored,
  canRetry,
  isContinuation,
  LOCAL_READER_MODEL,
  type AnswerEnding,
  type LiveAnswer,
  type ThreadMessage,
} from '../lib/live-answer';
import { LOCAL_READER_ANSWER } from '../lib/notices';
import { chartQuestionsText } from '../shared';
import { useChartStore } from '../state/chart-store';
import { useConversationStore } from '../state/conversation-store';
import { AnswerActions } from './AnswerActions';
import { AnswerMarkdown } from './AnswerMarkdown';
import { PlanCard } from './PlanCard';
import { QuestionCharts } from './QuestionCharts';
import { useCountdown } from './use-countdown';
import { useElapsedSeconds } from './use-elapsed';
import './thread.css';

/** How close to the bottom (px) still counts as "at the bottom": the thread follows the answer from there. */
const FOLLOW_SLACK = 48;

const ENDING_WORDS: Record<AnswerEnding, string> = {
  stopped: 'Stopped: the answer so far is kept in the conversation.',
  cut_short: 'Cut short: the answer reached its length limit.',
  failed: 'Incomplete: the answer broke off part way. Ask again for the whole of it.',
};

/** Under a question that has no answer: why. */
const UNANSWERED_WORDS: Record<AnswerEnding, string> = {
  stopped: 'Stopped before the coach wrote anything.',
  cut_short: ENDING_WORDS.cut_short,
  failed: 'No answer: this question failed before the coach wrote anything.',
};
const REFUSED_WORDS = 'The coach declined to answer this question.';
/** A stored question with no answer after it, and no word of why (a turn that failed before any words, reopened). */
const NO_ANSWER_WORDS = 'No answer to this question is stored: it ended before the coach wrote anything.';

function Question({
  message,
  conversationId,
  unanswered = false,
}: {
  message: ThreadMessage;
  conversationId: string | null;
  /** No answer follows it in the thread. */
  unanswered?: boolean;
}) {
  const stored = !message.id.startsWith('local-');
  const why = message.refused
    ? REFUSED_WORDS
    : message.ending
      ? UNANSWERED_WORDS[message.ending]
      : unanswered
        ? NO_ANSWER_WORDS
        : null;
  if (isContinuation(message))
    return (
      <article className="turn turn-continued" aria-label="You asked the coach to continue">
        <p className="continued" data-testid="continued">
          Continued
        </p>
        {why && (
          <p className="turn-ending" data-testid="question-ending">
            {why}
          </p>
        )}
      </article>
    );
  return (
    <article className="turn turn-you" aria-label="You">
      <QuestionCharts
        images={message.images}
        charts={message.charts}
        conversationId={conversationId}
        messageId={stored ? message.id : null}
      />
      <div className="question" data-testid="question-bubble">
        <p>{message.content}</p>
      </div>
      {why && (
        <p className="turn-ending" data-testid="question-ending">
          {why}
        </p>
      )}
    </article>
  );
}

/** An answer the local chart reader wrote alone: the server has no model to ask. */
function LocalReaderNote({ model }: { model: string | null | undefined }) {
  if (model !== LOCAL_READER_MODEL) return null;
  return (
    <p className="local-reader-note" data-testid="local-reader-note">
      {LOCAL_READER_ANSWER}
    </p>
  );
}

function HistoryAnswer({
  message,
  last,
  editable,
}: {
  message: ThreadMessage;
  last: boolean;
  /** Its question can go back to the box (not a bare Continue). */
  editable: boolean;
}) {
  return (
    <article className="turn turn-coach" aria-label="Coach">
      <LocalReaderNote model={message.model} />
      {/* A plan read from part of an answer can hold a cut-off price ("Target: 51" of 514.20): whole answers only. */}
      {!message.ending && <PlanCard markdown={message.content} />}
      <div className="answer" data-testid="history-answer">
        <AnswerMarkdown text={message.content} />
      </div>
      {message.ending && (
        <p className="turn-ending" data-testid="answer-ending">
          {ENDING_WORDS[message.ending]}
        </p>
      )}
      <AnswerActions
        markdown={message.content}
        last={last}
        canContinue={canContinueStored(message)}
        editable={editable}
      />
    </article>
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
  // The question's own charts, or the conversation's that the model reads again with a follow-up.
  const charts = useChartStore((state) => (answer.withChart ? Math.max(1, answer.charts.length) : state.sent.length));
  const reading = charts > 1 ? 'Reading the charts…' : charts === 1 ? 'Reading the chart…' : 'Thinking it through…';
  return (
    <p className="status thinking" data-testid="coach-reading">
      {reading} <span className="elapsed">{seconds} s</span>
    </p>
  );
}

function CutShort() {
  const continueAnswer = useConversationStore((state) => state.continueAnswer);
  return (
    <div className="status status-cut" data-testid="cut-short">
      <p>{ENDING_WORDS.cut_short}</p>
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
          {answer.quota.remaining !== null ? `${chartQuestionsText(answer.quota.remaining)} this month` : 'Done'}
        </p>
      ) : null;
    case 'stopped':
      return <p className="status">{ENDING_WORDS.stopped}</p>;
    case 'failed':
      return (
        <div className="status status-error" role="alert">
          <p>{answer.error?.message ?? 'The answer failed.'}</p>
          {canRetry(answer) && <RetryButton answer={answer} />}
        </div>
      );
  }
}

function Live({ answer, conversationId }: { answer: LiveAnswer; conversationId: string | null }) {
  const settled = answer.phase === 'complete' || answer.phase === 'stopped';
  const whole = answer.phase === 'complete' && !answer.cutShort;
  const question: ThreadMessage = {
    id: 'local-live-question',
    role: 'user',
    content: answer.question,
    images: answer.charts.map((chart) => ({ ...chart, bytes: 0 })),
    createdAt: new Date(answer.askedAt).toISOString(),
    charts: answer.charts,
  };
  return (
    <>
      <Question message={question} conversationId={conversationId} />
      <article className="turn turn-coach" aria-label="Coach">
        <LocalReaderNote model={answer.model} />
        {whole && <PlanCard markdown={answer.text} />}
        <div
          className={answer.phase === 'streaming' ? 'answer live streaming' : 'answer live'}
          data-testid="live-answer"
          data-phase={answer.phase}
          aria-busy={answer.phase === 'streaming'}
        >
          {answer.text !== '' && <AnswerMarkdown text={answer.text} />}
          {answer.phase === 'streaming' && answer.text === '' && <span className="cursor" aria-hidden="true" />}
          <AnswerStatus answer={answer} />
        </div>
        {(settled || answer.phase === 'failed') && (
          <AnswerActions
            markdown={answer.text}
            last
            canContinue={answer.phase === 'stopped' && canContinue(answer)}
            editable={!isContinuation(question)}
          />
        )}
      </article>
    </>
  );
}

/** One short sentence when an answer ends, in a polite live region: not the answer itself, chunk by chunk. */
function useAnnouncement(live: LiveAnswer | null): string {
  const [said, setSaid] = useState('');
  const phase = live?.phase;
  const cutShort = live?.cutShort ?? false;
  useEffect(() => {
    if (phase === 'complete')
      setSaid(cutShort ? 'The answer was cut short. Continue is below it.' : 'Answer complete.');
    else if (phase === 'stopped') setSaid('Stopped. The answer so far is kept.');
    else if (phase === 'waiting') setSaid('');
  }, [phase, cutShort]);
  return said;
}

/** The conversation's messages could not be read (the server away, say): it can be asked again from here. */
function LoadFailed({ conversationId }: { conversationId: string | null }) {
  const openConversation = useConversationStore((state) => state.openConversation);
  return (
    <div className="status status-error" role="alert" data-testid="history-load-failed">
      <p>This conversation could not be loaded.</p>
      {conversationId && (
        <button type="button" className="secondary" onClick={() => void openConversation(conversationId)}>
          Try again
        </button>
      )}
    </div>
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
  const conversationId = useConversationStore((state) => state.currentId);
  const thread = useRef<HTMLElement>(null);
  const end = useRef<HTMLDivElement>(null);
  /** Distance from the bottom before an earlier page went in on top, to restore after it renders. */
  const fromBottom = useRef<number | null>(null);
  /** Whether the reader is at the bottom: only then does the thread follow what comes in. */
  const following = useRef(true);
  /**
   * Where the view's bottom edge was when the reader was last known to be at the bottom (the thread followed, or a
   * scroll event found it there). The edge, not the top: a taller window moves the top, not the edge.
   */
  const bottomEdge = useRef(0);
  const edgeOf = (element: HTMLElement): number => element.scrollTop + element.clientHeight;
  const [behind, setBehind] = useState(false);
  const announcement = useAnnouncement(live);
  const liveText = live?.text;
  const livePhase = live?.phase;
  const askedAt = live?.askedAt;
  const newestId = history.at(-1)?.id;

  const follow = (): void => {
    end.current?.scrollIntoView({ block: 'end' });
    if (thread.current) bottomEdge.current = edgeOf(thread.current);
  };

  const jump = (): void => {
    following.current = true;
    setBehind(false);
    follow();
  };

  // A new question (the trader's own) or another conversation: to the bottom, following again.
  useEffect(jump, [askedAt, conversationId]);

  // New text, a new newest message or how the answer ended (an error and its Retry, Continue): followed only by a
  // reader at the bottom; others get the pill.
  // The scroll event comes a frame after the scroll: a reader who scrolled up just before the next words arrived is
  // seen from the position itself, instead of being taken back down.
  useEffect(() => {
    const element = thread.current;
    if (following.current && element && edgeOf(element) < bottomEdge.current - FOLLOW_SLACK) following.current = false;
    if (following.current) follow();
    else setBehind(true);
  }, [newestId, liveText, livePhase]);

  const scrolled = (): void => {
    const element = thread.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight <= FOLLOW_SLACK;
    following.current = atBottom;
    if (atBottom) {
      bottomEdge.current = edgeOf(element);
      setBehind(false);
    }
  };

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
  const lastAnswerId = live ? null : history.findLast((message) => message.role === 'assistant')?.id;
  return (
    <main className="thread" data-testid="thread" ref={thread} onScroll={scrolled}>
      {hasEarlier && <ShowEarlier onBeforeLoad={rememberPosition} />}
      {historyStatus === 'loading' && <p className="status">Loading the conversation…</p>}
      {historyStatus === 'error' && <LoadFailed conversationId={conversationId} />}
      {empty && historyStatus !== 'loading' && (
        <div className="empty">
          <h2>Ask about a chart</h2>
          <p>
            Capture the chart (or paste or drop an image), then ask — for example “Is this a{' '}
            <span className="nowrap">2-1-2</span> on the <span className="nowrap">60-minute</span>?”
          </p>
        </div>
      )}
      {history.map((message, index) =>
        message.role === 'user' ? (
          <Question
            key={message.id}
            message={message}
            conversationId={conversationId}
            // The live answer has its own question (Live): a last stored question has no answer either.
            unanswered={(history[index + 1]?.role ?? 'user') === 'user'}
          />
        ) : (
          <HistoryAnswer
            key={message.id}
            message={message}
            last={message.id === lastAnswerId && message.id === newestId}
            editable={!(history[index - 1]?.role === 'user' && isContinuation(history[index - 1]!))}
          />
        ),
      )}
      {live && <Live answer={live} conversationId={conversationId} />}
      <div ref={end} />
      <p className="visually-hidden" role="status" data-testid="answer-announcement">
        {announcement}
      </p>
      {behind && (
        <button type="button" className="jump-to-latest" onClick={jump}>
          Jump to latest ↓
        </button>
      )}
    </main>
  );
}

// The answer being streamed, as plain data: each contract event moves it on, Stop freezes it, and once
// the next question goes out it becomes two ordinary history messages. Pure, so it is tested in Node.
import {
  isCutShort,
  type ChartAnalysisImage,
  type CoachEvent,
  type MessageEnding,
  type MessageItem,
  type Quota,
  type StreamErrorEvent,
} from '@strat-coach/server/contract';
import type { ChartReading } from '../chart/bar-labels';

/** The model name of an answer the local chart reader wrote alone: the server has no model to ask. */
export const LOCAL_READER_MODEL = 'local-chart-reader';

/** A chart this window sent with a question: shown in the thread without asking the server for it. */
export interface QuestionChart {
  mediaType: string;
  /** Base64, no data: prefix. */
  data: string;
  width: number;
  height: number;
  label: string | null;
  /** The local chart reader's reading (the question's chart_analysis, or the preview's until it comes). */
  analysis?: ChartReading | undefined;
}

/** How an answer ended short of complete: the thread (and the server's history) keeps saying so. */
export type AnswerEnding = MessageEnding;

/**
 * A message of the thread: the server's, or one this window wrote (its charts kept here, and for a question
 * the server's id of it, which Regenerate and Edit & resend name to replace it).
 */
export interface ThreadMessage extends MessageItem {
  charts?: QuestionChart[];
  storedId?: string;
  /** The model that wrote an answer this window streamed (the server's history does not say). */
  model?: string;
}

/** waiting: asked, nothing back yet; thinking: the model reasons before writing (nothing to show). */
export type AnswerPhase = 'waiting' | 'thinking' | 'streaming' | 'complete' | 'stopped' | 'failed';

export interface LiveAnswer {
  question: string;
  withChart: boolean;
  /** The question's new charts (none on a follow-up that uses the conversation's). */
  charts: QuestionChart[];
  /** When the question went out (epoch ms): the status counts the seconds from here. */
  askedAt: number;
  /** The answer ran into its length limit (stopReason max_tokens): it can be continued. */
  cutShort: boolean;
  /** The Markdown delivered so far, deltas appended in order. */
  text: string;
  phase: AnswerPhase;
  conversationId: string | null;
  messageId: string | null;
  /** The server's id of the stored question (stream_start); null until then, or when it did not say. */
  questionId: string | null;
  error: StreamErrorEvent | null;
  /** When Retry may be pressed (epoch ms, from retryAfterMs); null: at once. */
  retryAt: number | null;
  quota: Quota | null;
  /** Which model answers (stream_start, message_start): LOCAL_READER_MODEL when the server has none. */
  model: string | null;
}

export const isOpen = (answer: LiveAnswer | null): boolean =>
  answer !== null && (answer.phase === 'waiting' || answer.phase === 'thinking' || answer.phase === 'streaming');

export const canRetry = (answer: LiveAnswer | null): boolean =>
  answer !== null && answer.phase === 'failed' && answer.error?.retryable === true;

export function startAnswer(
  question: string,
  withChart: boolean,
  now: number,
  charts: QuestionChart[] = [],
): LiveAnswer {
  return {
    question,
    withChart,
    charts,
    askedAt: now,
    cutShort: false,
    text: '',
    phase: 'waiting',
    conversationId: null,
    messageId: null,
    questionId: null,
    error: null,
    retryAt: null,
    quota: null,
    model: null,
  };
}

/** The question's charts with the reader's readings: each image's reading goes to the chart at its index. */
function withReadings(charts: QuestionChart[], images: ChartAnalysisImage[]): QuestionChart[] {
  if (charts.length === 0 || images.length === 0) return charts;
  return charts.map((chart, index) => {
    const reading = images.find((image) => image.index === index);
    return reading ? { ...chart, analysis: reading } : chart;
  });
}

export function applyEvent(answer: LiveAnswer, event: CoachEvent, now: number): LiveAnswer {
  // A stopped answer keeps what it showed when the trader pressed Stop.
  if (!isOpen(answer)) return answer;
  switch (event.event) {
    case 'stream_start':
      return {
        ...answer,
        conversationId: event.data.conversationId,
        messageId: event.data.messageId,
        questionId: event.data.questionId ?? null,
        model: event.data.model,
      };
    case 'chart_analysis':
      return { ...answer, charts: withReadings(answer.charts, event.data.images) };
    case 'message_start':
      return { ...answer, model: event.data.model };
    case 'coach_status':
      return { ...answer, phase: event.data.state === 'thinking' ? 'thinking' : 'streaming' };
    case 'content_delta':
      return { ...answer, phase: 'streaming', text: answer.text + event.data.text };
    case 'stream_complete':
      return {
        ...answer,
        phase: 'complete',
        quota: event.data.quota,
        cutShort: isCutShort(event.data.stopReason),
      };
    case 'stream_error':
      return {
        ...answer,
        phase: 'failed',
        // A refused answer's partial text is withdrawn: the server discarded it too.
        text: event.data.code === 'refused' ? '' : answer.text,
        error: event.data,
        retryAt: event.data.retryAfterMs ? now + event.data.retryAfterMs : null,
      };
    default:
      return answer;
  }
}

export const stopAnswer = (answer: LiveAnswer): LiveAnswer =>
  isOpen(answer) ? { ...answer, phase: 'stopped' } : answer;

/** As the server stores it: stopped, cut short at the length limit, or failed part way (a refusal is none). */
export function endingOf(answer: LiveAnswer): AnswerEnding | undefined {
  if (answer.phase === 'stopped') return 'stopped';
  if (answer.cutShort) return 'cut_short';
  if (answer.phase === 'failed' && answer.error?.code !== 'refused') return 'failed';
  return undefined;
}

/**
 * The turn as the server stored it: the question, and the answer as far as it was delivered (none when nothing
 * was: the question then carries the ending). A refused or failed turn's charts stay with the question.
 */
export function toHistory(answer: LiveAnswer, at: Date, localId: string): ThreadMessage[] {
  const createdAt = at.toISOString();
  const ending = endingOf(answer);
  const images =
    answer.charts.length > 0
      ? answer.charts.map((chart) => ({
          mediaType: chart.mediaType,
          bytes: 0,
          width: chart.width,
          height: chart.height,
          label: chart.label,
          ...(chart.analysis ? { analysis: chart.analysis } : {}),
        }))
      : answer.withChart
        ? [{ mediaType: 'image/png', bytes: 0, width: null, height: null }]
        : [];
  const question: ThreadMessage = {
    id: `${localId}-question`,
    role: 'user',
    content: answer.question,
    images,
    createdAt,
    ...(answer.charts.length > 0 ? { charts: answer.charts } : {}),
    ...(answer.questionId ? { storedId: answer.questionId } : {}),
    ...(answer.text === '' && ending ? { ending } : {}),
    // As the server's history marks it: the model declined this question.
    ...(answer.error?.code === 'refused' ? { refused: true as const } : {}),
  };
  if (answer.text === '') return [question];
  const reply: ThreadMessage = {
    id: answer.messageId ?? `${localId}-answer`,
    role: 'assistant',
    content: answer.text,
    images: [],
    createdAt,
    ...(ending ? { ending } : {}),
    ...(answer.model ? { model: answer.model } : {}),
  };
  return [question, reply];
}

/** What "Continue" sends: the coaching prompt tells the model to pick up where the cut-short answer stopped. */
export const CONTINUE_MESSAGE = 'Continue';

/**
 * A question that only asks the coach to carry on (what Continue sends, without charts): the thread shows it as a
 * line joining the two parts of the answer, not as a question of the trader's, and it is not offered for editing.
 */
export const isContinuation = (question: { content: string; images?: readonly unknown[] }): boolean =>
  question.content === CONTINUE_MESSAGE && (question.images?.length ?? 0) === 0;

/** A stored answer the trader may ask the coach to carry on from (reopened): stopped or cut short, with words. */
export const canContinueStored = (message: ThreadMessage): boolean =>
  message.role === 'assistant' &&
  message.content !== '' &&
  (message.ending === 'stopped' || message.ending === 'cut_short');

/** Whether the trader may ask the coach to carry on: after Stop with some text, or an answer cut short. */
export const canContinue = (answer: LiveAnswer | null): boolean =>
  answer !== null &&
  ((answer.phase === 'stopped' && answer.text !== '') || (answer.phase === 'complete' && answer.cutShort));

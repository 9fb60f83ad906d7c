// One coaching turn, start to finish: check the question, reserve quota, store the question (and its charts),
// stream the answer, then store what was delivered, one usage row, and the settled quota — also when the
// upstream fails, refuses, or the trader closes the window. HTTP errors are thrown before the stream opens;
// after that, every stream ends with exactly one stream_complete or stream_error. A trader who leaves before
// the model is called is billed nothing, and the turn's record survives a database failure at its end
// (turn-settlement.ts). A paid trader's question goes to the model while the turn is being stored.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { isRetired, type CoachModel } from '../config/coach-model.js';
import { costUsd, type PriceLookup } from '../config/pricing.js';
import { TIER_RULES } from '../config/tiers.js';
import {
  isCutShort,
  type ChatStreamRequest,
  type CoachState,
  type StreamErrorEvent,
  type StreamStartEvent,
} from '../contract/chat.js';
import type { MessageEnding } from '../contract/conversations.js';
import type { UsageStatus } from '../contract/usage.js';
import type { Database } from '../db/database.js';
import {
  conversationsRepository,
  type Conversation,
  type ConversationsRepository,
  type ReplacedQuestion,
} from '../db/repositories/conversations.js';
import { coachingTurnsRepository, type FinishTurn } from '../db/repositories/coaching-turns.js';
import { usageRepository } from '../db/repositories/usage.js';
import type { User } from '../db/repositories/users.js';
import { AppError, notFound } from '../errors.js';
import { billingPeriodAt, type BillingPeriod } from './billing-period.js';
import { READING_TOKENS, type ChartAnalyzer } from './chart-analysis.js';
import { checkImages } from './chart-images.js';
import { keepReadings, messagesWithReadings, readTurnCharts } from './coach-charts.js';
import { loadTurnContext, type QuestionChart } from './coach-context.js';
import { estimateOutputTokens } from './coach-history.js';
import { buildMessages, type ContextMessage, type ConversationCharts } from './coach-messages.js';
import { MIN_ANSWER_TOKENS, planAnswer, type AnswerPlan } from './coach-plan.js';
import type { CoachingPrompt } from './coaching-prompt.js';
import {
  classifyUpstreamError,
  type CoachRequest,
  type CoachUpstream,
  type UpstreamEvent,
  type UpstreamUsage,
} from './coach-upstream.js';
import { titleFor } from './conversation-title.js';
import { LOCAL_READER_MODEL } from './local-answer.js';
import { streamLocalAnswer } from './local-turn.js';
import type { SharedPromptSize } from './shared-prompt.js';
import { beforeShutdownStep, SHUTDOWN_COUNT_BY_MS, SHUTDOWN_KEEP_BY_MS, type Shutdown } from './shutdown.js';
import type { EventSink } from './sse-writer.js';
import type { Settlement } from './turn-settlement.js';
import type { UpstreamRefusals } from './upstream-refusals.js';
import { quotaOf, quotaTokensOf } from './usage-summary.js';

export interface CoachDeps {
  db: Database;
  /** null: no ANTHROPIC_API_KEY, and the local chart reader answers alone (no tokens, no quota). */
  upstream: CoachUpstream | null;
  /** The local chart reader, for the question's charts before the model call. */
  charts: Pick<ChartAnalyzer, 'read'>;
  coaching: CoachingPrompt;
  /** The coaching prompt's size in tokens, learned from the model's usage. */
  sharedPrompt: SharedPromptSize;
  coach: CoachModel;
  priceFor: PriceLookup;
  log: FastifyBaseLogger;
  /** No upstream event for this long ends the stream with upstream_timeout. */
  idleTimeoutMs: number;
  /** …except while the model thinks, when only pings arrive (and the SDK swallows them). */
  thinkingTimeoutMs: number;
  /** No answer streams longer than this: bounds how long a reservation can be held. */
  streamTimeoutMs: number;
  /** Records the finished turn (retried, else kept in the outbox). */
  settle(turn: FinishTurn): Promise<Settlement>;
  /** What the API last said of the server's configuration (a model it does not serve, a refused key), for /status. */
  refusals: UpstreamRefusals;
  /** The server's shutdown, which bounds the waits of a stream it stops (services/shutdown.ts). */
  shutdown?: Shutdown;
}

export interface PreparedTurn {
  user: User;
  requestId: string;
  conversation: Conversation;
  /** The stored question (this turn's, or the one it retries). */
  questionId: string | null;
  /** The question this turn replaces, by its own: settled with the answer (FinishTurn.replaced). */
  replaced: FinishTurn['replaced'];
  assistantMessageId: string;
  messages: MessageParam[];
  /** What `messages` was built from (the history window and the conversation's charts), to add the readings. */
  window: ContextMessage[];
  charts: ConversationCharts;
  /** The question's own charts, for the local reader. */
  questionCharts: QuestionChart[];
  /** The request carries earlier turns (so a cache read is more than the coaching prompt). */
  hasHistory: boolean;
  plan: AnswerPlan;
  period: BillingPeriod;
  reservedTokens: number;
  /** The period's used tokens when the turn started. */
  usedBefore: number;
  /** The model call, when it was made while the turn was prepared (see prepareTurn); else streamTurn makes it. */
  call: UpstreamCall | null;
}

/** A model call in flight: its events, and the controller that stops it. */
export interface UpstreamCall {
  events: AsyncIterable<UpstreamEvent>;
  abort: AbortController;
  /** Aborted once the call is stopped: the attempt in flight is read on for its count, no retry is made. */
  lastAttempt: AbortController;
}

/** The trader left before the turn reached the model: nothing was billed, and there is no one to answer. */
export class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

/** How long a call stopped before its first event is still read, for the input count that event carries. */
export const COUNT_WAIT_MS = 5_000;

/** A low estimate of how fast a model thinks, for billing thinking whose count never arrived. */
export const THINKING_TOKENS_PER_SECOND = 40;

/** The server stopped the stream to shut down (a deploy, a rolling restart): the question may be asked again. */
export const RESTARTING: StreamErrorEvent = {
  code: 'unavailable',
  message: 'The server is restarting. Ask again in a moment.',
  retryable: true,
};

const REFUSED: StreamErrorEvent = {
  code: 'refused',
  message: 'The coach declined to answer this. Rephrase the question, or start a new conversation.',
  retryable: false,
};

/**
 * The quota cannot take this question: spent, or with too little left for it (its answer and what the model reads
 * with it, the conversation so far and the charts included), which is not "used up" and is not said so. Tokens held
 * by the trader's other answers still coming (`heldTokens`) come back as those end, less what they use: the trader is
 * told to ask again then, not that the month is over.
 */
const quotaExceeded = (user: User, { used, reserved }: { used: number; reserved: number }) => {
  const quota = quotaOf(user.tier, used);
  const left = quota.remaining !== null && quota.remaining > 0;
  return new AppError(
    'quota_exceeded',
    left && reserved > 0
      ? 'An answer still coming holds part of this month’s coaching tokens. Ask again once it ends.'
      : left
        ? 'This question needs more of this month’s coaching tokens than are left. Your quota renews with the next period.'
        : 'You have used this month’s coaching tokens. Your quota renews with the next period.',
    { quota, heldTokens: left ? reserved : 0 },
  );
};

/** The models whose retirement this process has logged (once each). */
const loggedRetirements = new Set<string>();

/**
 * The coaching model's retirement day has come while the server runs (start-up refuses a retired model): the API
 * would refuse every call, so none is made and nothing is reserved. The operator is told once, at error.
 */
function refuseRetiredModel(deps: CoachDeps, now: Date): void {
  if (!deps.upstream || !isRetired(deps.coach.spec, now)) return;
  if (!loggedRetirements.has(deps.coach.id)) {
    loggedRetirements.add(deps.coach.id);
    deps.log.error(
      { model: deps.coach.id, retiredOn: deps.coach.spec.retires },
      'COACH_MODEL was retired: every question is refused until the server restarts with another model',
    );
  }
  throw new AppError(
    'upstream_unconfigured',
    'This server’s coaching model has been retired: its administrator must choose another. Ask again once they have.',
  );
}

/** Everything that can fail with a plain HTTP error happens here, before the stream opens. */
export async function prepareTurn(
  deps: CoachDeps,
  user: User,
  body: ChatStreamRequest,
  requestId: string,
  /** Aborted when the trader hangs up, from the moment the request arrived. */
  gone: AbortSignal = new AbortController().signal,
): Promise<PreparedTurn> {
  refuseRetiredModel(deps, new Date());
  const images = await checkImages(body.images ?? []);
  const conversations = conversationsRepository(deps.db);
  const existing = body.conversationId ? await conversations.findForUser(body.conversationId, user.id) : undefined;
  if (body.conversationId && !existing) throw notFound('conversation');
  const replacing = await questionToReplace(conversations, existing, body.replaces);
  const context = await loadTurnContext(deps.db, existing?.id ?? null, { content: body.message, images }, replacing);

  // An upper bound of what the call can count against the quota: the window, the question and the charts
  // (text at one token per UTF-8 byte, which no tokenizer exceeds), and the coaching prompt's share that is
  // not yet known to be the shared prompt (none, once its size has been measured).
  // Without a model (the local reader answers) nothing is counted and nothing is reserved, whatever the quota.
  const local = deps.upstream === null;
  const inputEstimate = local ? 0 : context.estimatedTokens + promptShareBound(deps);
  const period = billingPeriodAt(user.periodStart, new Date());
  const rules = TIER_RULES[user.tier];
  const turns = coachingTurnsRepository(deps.db);
  if (gone.aborted) throw new ClientGone();
  const turnId = randomUUID();
  const release = (replaced: FinishTurn['replaced'] = null) =>
    deps.settle({ assistantMessageId: turnId, answer: '', usage: null, refusedQuestionId: null, replaced });
  const messages = buildMessages(context.window, context.charts);
  // A paid tier is never refused at its quota (its reservation always grants the full answer budget), so the
  // model is asked while the turn is written: the first token no longer waits behind the statement (under a
  // burst of questions, behind the pool's queue). Not for a question with charts of its own: the model gets
  // their readings, which are read once the stream is open.
  const call =
    deps.upstream && !rules.blockAtQuota && context.questionCharts.length === 0
      ? openCall(deps.upstream, coachRequest(deps, planAnswer(deps.coach, deps.coach.maxTokens), messages, user.id))
      : null;
  // A trader who leaves meanwhile has the call stopped by streamTurn once its count is read, billed as a stopped
  // answer; if storing the turn outlasts COUNT_WAIT_MS, it is stopped then, its count unread.
  let leftAt: NodeJS.Timeout | undefined;
  const leave = () => {
    call?.lastAttempt.abort();
    leftAt = setTimeout(() => call?.abort.abort(new Error('stopped: client')), COUNT_WAIT_MS);
  };
  // A shutdown that begins meanwhile stops the call once the turn is stored: from now on it is not retried.
  const lastAttempt = () => call?.lastAttempt.abort();
  if (call) {
    gone.addEventListener('abort', leave, { once: true });
    deps.shutdown?.signal.addEventListener('abort', lastAttempt, { once: true });
  }
  try {
    return await reserveTurn();
  } catch (error) {
    call?.abort.abort(new Error('the turn could not be prepared'));
    if (call && !(error instanceof AppError)) {
      deps.log.warn({ err: error }, 'the turn could not be stored: its model call was stopped unbilled');
    }
    throw error;
  } finally {
    gone.removeEventListener('abort', leave);
    deps.shutdown?.signal.removeEventListener('abort', lastAttempt);
    clearTimeout(leftAt);
  }

  async function reserveTurn(): Promise<PreparedTurn> {
    const start = (inputTokens: number) =>
      turns
        .start({
          turnId,
          requestId,
          model: local ? LOCAL_READER_MODEL : deps.coach.id,
          userId: user.id,
          periodStart: period.start,
          inputTokens,
          maxAnswerTokens: local ? 0 : deps.coach.maxTokens,
          minAnswerTokens: local ? 0 : MIN_ANSWER_TOKENS,
          // Free is refused at its quota; paid tiers continue past it and the overage is recorded.
          limit: rules.blockAtQuota && !local ? rules.monthlyTokens : null,
          conversationId: existing?.id ?? null,
          title: titleFor(
            body.message,
            images.map((image) => image.label),
          ),
          question: {
            content: body.message,
            images: images.map((image) => image.meta),
            charts: images.map((image, position) => ({
              position,
              mediaType: image.mediaType,
              label: image.label,
              bytes: image.bytes,
            })),
          },
          replaces: replacing?.id ?? null,
        })
        .catch((error: unknown) => {
          // The statement may have committed and only its reply been lost: give back a reservation it may hold.
          void release();
          throw error;
        });
    let started = await start(inputEstimate);
    // Deleted (from another window) since it was read above: the trader is told so, not that the quota is spent.
    if (!started && existing && !(await conversations.findForUser(existing.id, user.id)))
      throw notFound('conversation');
    const usage = usageRepository(deps.db);
    if (!started && !local && rules.monthlyTokens !== null && rules.blockAtQuota) {
      // The upper bound does not fit, but the real input may: near the quota, ask the model's own count (only when
      // there is room for an answer at all, so a trader with nothing left costs no count).
      const { used, reserved } = await usage.quotaState(user.id, period.start);
      if (rules.monthlyTokens - used - reserved > MIN_ANSWER_TOKENS) {
        // The charts' readings are not in `messages` yet: their bound is added.
        const pending = context.questionCharts.filter((chart) => chart.stored === null).length * READING_TOKENS;
        const counted = await exactInput(deps, messages, gone);
        const exact = counted === null ? null : counted + pending;
        if (exact !== null && exact < inputEstimate) started = await start(exact);
      }
    }
    if (!started) throw quotaExceeded(user, await usage.quotaState(user.id, period.start));
    // With the model already asked, a trader who left is billed as any who stop an answer (streamTurn settles it).
    if (gone.aborted && !call) {
      // Left while the question was being stored: give the reservation back (the question stays, unanswered; a
      // replacement leaves, and the turn it was to replace stays).
      await release(replacing && started.questionId ? { questionId: replacing.id, by: started.questionId } : null);
      throw new ClientGone();
    }
    return {
      user,
      requestId,
      conversation: started.conversation,
      questionId: started.questionId ?? context.retryOf,
      replaced: replacing && started.questionId ? { questionId: replacing.id, by: started.questionId } : null,
      assistantMessageId: turnId,
      messages,
      window: context.window,
      charts: context.charts,
      questionCharts: context.questionCharts,
      hasHistory: context.window.length > 1,
      plan: planAnswer(deps.coach, started.answerTokens),
      period,
      reservedTokens: started.reservedTokens,
      usedBefore: started.usedBefore,
      call,
    };
  }
}

/** Lets go of the turn's messages and the question's chart bytes; the turn's other fields stay. */
function releaseQuestion(turn: PreparedTurn): void {
  turn.messages = [];
  turn.window = [];
  turn.charts = { holderId: null, charts: [] };
  turn.questionCharts = [];
}

/** Asks the model now; the call's events are read later. */
function openCall(upstream: CoachUpstream, request: CoachRequest): UpstreamCall {
  const abort = new AbortController();
  const lastAttempt = new AbortController();
  return { events: upstream(request, abort.signal, lastAttempt.signal), abort, lastAttempt };
}

/** The model request of a turn planned as `plan`. */
function coachRequest(deps: CoachDeps, plan: AnswerPlan, messages: MessageParam[], userId: string): CoachRequest {
  return {
    model: deps.coach.id,
    maxTokens: plan.maxTokens,
    thinking: plan.thinking,
    effort: plan.effort,
    system: deps.coaching.text,
    messages,
    userId,
  };
}

/**
 * The question a replacement names (Regenerate, Edit & resend): the conversation's last question. An id that is
 * none of this conversation's questions is the same 404 as an unknown conversation.
 */
async function questionToReplace(
  conversations: ConversationsRepository,
  conversation: Conversation | undefined,
  replaces: string | undefined,
): Promise<ReplacedQuestion | null> {
  if (replaces === undefined) return null;
  if (!conversation) throw new AppError('invalid_request', 'replaces needs the conversationId of its conversation');
  const found = await conversations.question(conversation.id, replaces);
  if (!found) throw notFound('conversation');
  if (!found.last) {
    throw new AppError('invalid_request', 'replaces must name the conversation’s last question: a later one exists');
  }
  return found.question;
}

/**
 * What the call can count against the quota, exactly: the messages as the model counts them (count_tokens,
 * free), and the coaching prompt's share as for the bound (none once measured). Null when it cannot be had.
 */
async function exactInput(deps: CoachDeps, messages: MessageParam[], gone: AbortSignal): Promise<number | null> {
  if (!deps.upstream) return null;
  try {
    return (await deps.upstream.countTokens({ model: deps.coach.id, messages }, gone)) + promptShareBound(deps);
  } catch (error) {
    deps.log.warn({ err: error }, 'could not count the input tokens: the upper bound stands');
    return null;
  }
}

/** The most of the coaching prompt a call can charge the trader (see quotaTokensOf): 0 once it is measured. */
function promptShareBound(deps: CoachDeps): number {
  if (deps.sharedPrompt.measured()) return 0;
  return Math.max(0, Buffer.byteLength(deps.coaching.text, 'utf8') - deps.sharedPrompt.tokens());
}

interface Outcome {
  status: UsageStatus;
  error: StreamErrorEvent | null;
  stopReason: string | null;
}

/** Why a stream was stopped from our side: the trader hung up, or the server is shutting down. */
export type StopReason = 'client' | 'shutdown';

/** Streams the answer into `sink`, then accounts for it. Never throws. */
export async function streamTurn(
  deps: CoachDeps,
  turn: PreparedTurn,
  sink: EventSink,
  stop: AbortSignal,
  /** Called once the model has the request (its first event), or when the call ended without one. */
  sent: () => void = () => undefined,
): Promise<void> {
  const startedAt = performance.now();
  const upstreamAbort = turn.call?.abort ?? new AbortController();
  const lastAttempt = turn.call?.lastAttempt ?? new AbortController();
  // The model has been sent the question (while the turn was prepared, or once the stream began).
  let callSent = turn.call !== null;
  let countWait: NodeJS.Timeout | undefined;
  const abortNow = () => {
    clearTimeout(countWait);
    upstreamAbort.abort(new Error(`stopped: ${String(stop.reason)}`));
  };
  const stoppedOutcome = (outcome: Outcome): Outcome =>
    stop.reason === 'shutdown'
      ? {
          ...outcome,
          status: 'error',
          error: RESTARTING,
        }
      : { ...outcome, status: 'cancelled' };

  // What the stream produced so far; read by the accounting whatever way the stream ends.
  const progress: {
    usage: UpstreamUsage | null;
    outputCounted: boolean;
    text: string;
    /** Text that arrived after the stream was stopped: billed in an estimate, never shown or kept. */
    unsent: string;
    ttftMs: number | null;
    model: string;
    state: CoachState | null;
    /** Milliseconds spent in thinking blocks, for billing a call whose final count never came. */
    thinkingMs: number;
    thinkingSince: number | null;
  } = {
    usage: null,
    outputCounted: false,
    text: '',
    unsent: '',
    ttftMs: null,
    model: deps.coach.id,
    state: null,
    thinkingMs: 0,
    thinkingSince: null,
  };
  /**
   * A call stopped before its first event may have been read by the model already, and only that event
   * (message_start) says how many tokens it was: cut at once, it was recorded as 0 tokens at no cost. So it is
   * stopped once that event and whatever else has already arrived are read (none of it passed on), or after
   * COUNT_WAIT_MS without one. A call stopped mid-answer is stopped at once.
   */
  const abortUpstream = () => {
    lastAttempt.abort();
    if (!callSent || progress.usage !== null) return abortNow();
    // A shutdown's last seconds are shared with recording the turn (services/shutdown.ts).
    const waitMs =
      stop.reason === 'shutdown' && deps.shutdown
        ? Math.min(COUNT_WAIT_MS, deps.shutdown.left(SHUTDOWN_COUNT_BY_MS))
        : COUNT_WAIT_MS;
    countWait = setTimeout(abortNow, waitMs);
  };
  stop.addEventListener('abort', abortUpstream, { once: true });
  // Gone while the turn was prepared: a call already made is stopped now (and billed as a stopped answer).
  if (stop.aborted) abortUpstream();
  const endThinking = (): void => {
    if (progress.thinkingSince !== null) progress.thinkingMs += performance.now() - progress.thinkingSince;
    progress.thinkingSince = null;
  };
  // coach_status on each change: thinking while a thinking block streams, writing once the answer's text begins.
  const status = async (state: CoachState): Promise<void> => {
    if (progress.state === state) return;
    if (state === 'thinking') progress.thinkingSince = performance.now();
    else endThinking();
    progress.state = state;
    await sink.send('coach_status', { state });
  };
  let outcome: Outcome = { status: 'ok', error: null, stopReason: null };
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    upstreamAbort.abort(new Error('stream deadline'));
  }, deps.streamTimeoutMs);
  let idleMs = 0;
  const watchIdle = () => {
    const wanted = progress.state === 'thinking' ? deps.thinkingTimeoutMs : deps.idleTimeoutMs;
    // Once per upstream event: restart the same timer rather than make a new one.
    if (idle !== undefined && idleMs === wanted) {
      idle.refresh();
      return;
    }
    clearTimeout(idle);
    idleMs = wanted;
    idle = setTimeout(() => {
      timedOut = true;
      upstreamAbort.abort(new Error('upstream idle'));
    }, wanted);
  };

  const start: StreamStartEvent = {
    requestId: turn.requestId,
    conversationId: turn.conversation.id,
    messageId: turn.assistantMessageId,
    ...(turn.questionId ? { questionId: turn.questionId } : {}),
    model: deps.upstream ? deps.coach.id : LOCAL_READER_MODEL,
    coachingVersion: deps.coaching.version,
  };
  await sink.send('stream_start', start);
  // The local reader's reading of the question's charts, before the model: the trader sees it first, the model
  // gets it with each chart, and it is kept with the question while the model answers.
  const reads = stop.aborted ? [] : await readTurnCharts(deps.charts, turn, sink);
  // Awaited before the turn is recorded; at shutdown, no longer than the turn's own statements may take.
  const readingsKept = keepReadings(deps.db, turn, reads, deps.log);
  const kept = () =>
    beforeShutdownStep(readingsKept, deps.shutdown, SHUTDOWN_KEEP_BY_MS, 'keeping the readings').catch(() => undefined);
  if (stop.aborted && !turn.call) {
    // Gone before the model was called (while the turn was prepared, or its charts were read): the reservation
    // goes back and nothing is billed. Stopped by a shutdown, the trader is still there and is told to ask again.
    await deps.settle({
      assistantMessageId: turn.assistantMessageId,
      answer: '',
      usage: null,
      refusedQuestionId: null,
    });
    clearTimeout(deadline);
    stop.removeEventListener('abort', abortUpstream);
    await kept();
    sent();
    if (stop.reason === 'shutdown') await sink.send('stream_error', RESTARTING);
    sink.end();
    return;
  }
  const upstream = deps.upstream;
  if (!upstream) {
    clearTimeout(deadline);
    stop.removeEventListener('abort', abortUpstream);
    sent();
    await streamLocalAnswer(deps, turn, sink, reads, startedAt);
    await kept();
    sink.end();
    return;
  }
  // The model's message_stop arrived: the answer is whole (a stream that ends without it was cut off).
  let answerComplete = false;
  let draining = false;
  try {
    watchIdle();
    callSent = true;
    const events =
      turn.call?.events ??
      upstream(
        coachRequest(deps, turn.plan, messagesWithReadings(turn, reads), turn.user.id),
        upstreamAbort.signal,
        lastAttempt.signal,
      );
    // The model has the question (or is being sent it): what only the call needed goes, so an answer that streams
    // for a minute does not hold the question's charts (in base64 and decoded, about 35 MB with four at the old 5 MiB limit, 28 MB now).
    releaseQuestion(turn);
    for await (const event of events) {
      sent();
      watchIdle();
      if (event.type === 'start') {
        deps.refusals.answered();
        progress.usage = event.usage;
        progress.model = event.model;
      } else if (event.type === 'delta') {
        // Cumulative counts: overwrite, never add.
        if (progress.usage) progress.usage = { ...progress.usage, ...event.usage };
        if (event.usage.outputTokens !== undefined) progress.outputCounted = true;
        outcome.stopReason = event.stopReason;
        if (event.stopReason === 'refusal') deps.log.info({ refusal: event.refusal }, 'the model refused');
      }
      if (stop.aborted) {
        // Stopped: only what has already arrived is read (a whole answer may be waiting), for its counts, then the
        // call is stopped (see abortUpstream). Its text is not passed on or kept, but the model wrote it.
        if (event.type === 'text') progress.unsent += event.text;
        if (!draining) setImmediate(abortNow);
        draining = true;
        continue;
      }
      if (event.type === 'start') {
        await sink.send('message_start', { model: event.model });
      } else if (event.type === 'block') {
        if (event.kind !== 'other') await status(event.kind === 'thinking' ? 'thinking' : 'writing');
        watchIdle(); // a thinking block may be silent for longer
      } else if (event.type === 'text') {
        if (progress.state !== 'writing') await status('writing');
        progress.ttftMs ??= Math.round(performance.now() - startedAt);
        progress.text += event.text;
        // Awaited only when the trader's connection has fallen behind: most deltas cost no await.
        const backlog = sink.send('content_delta', { text: event.text });
        if (backlog) await backlog;
      } else if (event.type === 'stop') {
        answerComplete = true;
      }
    }
    if (stop.aborted) outcome = stoppedOutcome(outcome);
    else if (timedOut) outcome = timeoutOutcome(outcome);
    else if (!answerComplete) {
      outcome = {
        ...outcome,
        status: 'error',
        error: { code: 'stream_incomplete', message: 'The answer was cut off. Try again.', retryable: true },
      };
    } else if (outcome.stopReason === 'refusal') {
      outcome = { ...outcome, status: 'error', error: REFUSED };
    }
  } catch (error) {
    if (stop.aborted) outcome = stoppedOutcome(outcome);
    else if (timedOut) outcome = timeoutOutcome(outcome);
    else {
      outcome = { ...outcome, status: 'error', error: partWay(classifyUpstreamError(error), progress.text) };
      deps.log.warn({ err: error, code: outcome.error?.code }, 'upstream failed');
      deps.refusals.failed(error, deps.coach.id);
    }
  } finally {
    // The answer's last words go out now, before the turn is recorded.
    sink.flush();
    sent();
    clearTimeout(idle);
    clearTimeout(deadline);
    clearTimeout(countWait);
    stop.removeEventListener('abort', abortUpstream);
  }

  // The final count never came (cancelled or failed mid-answer): bill what was delivered, and the thinking
  // it took (never shown, so only its duration is known), at most the answer's budget.
  endThinking();
  let usage = progress.usage;
  if (usage && !progress.outputCounted) {
    const thinking = Math.round((progress.thinkingMs / 1000) * THINKING_TOKENS_PER_SECOND);
    const estimate = thinking + estimateOutputTokens(progress.text + progress.unsent);
    usage = { ...usage, outputTokens: Math.max(usage.outputTokens, estimate) };
  }
  // Never more than the answer's budget: the model stops there, whatever an estimate says.
  if (usage) usage = { ...usage, outputTokens: Math.min(usage.outputTokens, turn.plan.maxTokens) };
  const latencyMs = Math.round(performance.now() - startedAt);
  await kept();
  await finish(deps, turn, sink, { ...progress, usage, latencyMs, outcome });
}

/**
 * How a stored answer ended short of whole: the trader stopped it, the model reached max_tokens (or the context
 * window, which the API says to treat as truncated too), or it failed part way (a refusal's words are not stored at
 * all). Only an answer with words is stored, so only they carry one.
 */
const endingOf = (outcome: Outcome): MessageEnding | null => {
  if (outcome.status === 'cancelled') return 'stopped';
  if (outcome.status === 'ok' && isCutShort(outcome.stopReason)) return 'cut_short';
  if (outcome.status === 'error' && outcome.error?.code !== 'refused') return 'failed';
  return null;
};

/**
 * A connection to the model lost once words had arrived: the coach was reached, and the trader has part of the
 * answer on screen, so "could not be reached" would be wrong.
 */
const partWay = (error: StreamErrorEvent, delivered: string): StreamErrorEvent =>
  error.code === 'upstream_error' && delivered !== ''
    ? { ...error, message: 'The connection to the coach was lost part way through the answer. Try again.' }
    : error;

const timeoutOutcome = (outcome: Outcome): Outcome => ({
  ...outcome,
  status: 'error',
  error: { code: 'upstream_timeout', message: 'The coach stopped answering. Try again.', retryable: true },
});

interface Result {
  usage: UpstreamUsage | null;
  text: string;
  model: string;
  ttftMs: number | null;
  latencyMs: number;
  outcome: Outcome;
}

async function finish(deps: CoachDeps, turn: PreparedTurn, sink: EventSink, result: Result): Promise<void> {
  const tokens = result.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const now = new Date();
  const price = deps.priceFor(result.model, now) ?? deps.priceFor(deps.coach.id, now);
  const cost = price ? costUsd(price, tokens) : 0;
  deps.sharedPrompt.observe(tokens, turn.hasHistory);
  // A refusal's partial text is discarded, and the question leaves the model's context (the provider's advice).
  const refused = result.outcome.error?.code === 'refused';
  const quotaTokens = quotaTokensOf(tokens, deps.sharedPrompt.tokens());
  const settlement = await deps.settle({
    assistantMessageId: turn.assistantMessageId,
    answer: refused ? '' : result.text,
    refusedQuestionId: refused ? turn.questionId : null,
    ending: endingOf(result.outcome),
    replaced: turn.replaced,
    usage: {
      userId: turn.user.id,
      conversationId: turn.conversation.id,
      requestId: turn.requestId,
      model: result.model,
      ...tokens,
      costUsd: cost,
      latencyMs: result.latencyMs,
      ttftMs: result.ttftMs,
      status: result.outcome.status,
      errorCode: result.outcome.error?.code ?? null,
      billingPeriodStart: turn.period.start,
      quotaTokens,
    },
  });
  // Recorded later (from the outbox) or not at all: the trader still gets the answer they were given, and the
  // quota as it will stand once the turn is recorded.
  const quotaUsed = (settlement.kind === 'settled' ? settlement.quotaUsed : null) ?? turn.usedBefore + quotaTokens;

  if (result.outcome.error) {
    await sink.send('stream_error', result.outcome.error);
  } else if (result.outcome.status === 'ok') {
    await sink.send('stream_complete', {
      usage: {
        inputTokens: tokens.inputTokens,
        outputTokens: tokens.outputTokens,
        cacheCreationInputTokens: tokens.cacheWriteTokens,
        cacheReadInputTokens: tokens.cacheReadTokens,
      },
      costUsd: cost,
      latencyMs: result.latencyMs,
      ttftMs: result.ttftMs,
      stopReason: result.outcome.stopReason,
      quota: quotaOf(turn.user.tier, quotaUsed),
    });
  }
  sink.end();
}

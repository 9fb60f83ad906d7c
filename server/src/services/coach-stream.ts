// One coaching turn, start to finish: check the question, reserve quota, store the question, stream the
// answer, then store what was delivered, one usage row, and the settled quota — also when the upstream
// fails or the trader closes the window. HTTP errors are thrown before the stream opens; after that,
// every stream ends with exactly one stream_complete or stream_error.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { costUsd, priceFor } from '../config/pricing.js';
import { TIER_RULES } from '../config/tiers.js';
import type { ChatStreamRequest, StreamErrorEvent, StreamStartEvent } from '../contract/chat.js';
import type { Database } from '../db/database.js';
import { conversationsRepository, type Conversation } from '../db/repositories/conversations.js';
import { coachingTurnsRepository } from '../db/repositories/coaching-turns.js';
import type { UsageStatus } from '../db/repositories/usage.js';
import type { User } from '../db/repositories/users.js';
import { AppError, notFound } from '../errors.js';
import { billingPeriodAt, type BillingPeriod } from './billing-period.js';
import { checkImages, type CheckedImage } from './chart-images.js';
import { estimateOutputTokens, estimateTextTokens, selectHistory, titleFrom, type Turn } from './coach-history.js';
import type { CoachingPrompt } from './coaching-prompt.js';
import { classifyUpstreamError, type CoachUpstream, type UpstreamUsage } from './coach-upstream.js';
import type { EventSink } from './sse-writer.js';
import { quotaOf } from './usage-summary.js';

export const MAX_ANSWER_TOKENS = 2_048;
/** Below this many answer tokens left, a free trader is told the quota is spent rather than cut short. */
export const MIN_ANSWER_TOKENS = 256;

export interface CoachDeps {
  db: Database;
  upstream: CoachUpstream;
  coaching: CoachingPrompt;
  model: string;
  log: FastifyBaseLogger;
  /** No upstream event for this long ends the stream with upstream_timeout. */
  idleTimeoutMs: number;
}

export interface PreparedTurn {
  user: User;
  requestId: string;
  conversation: Conversation;
  assistantMessageId: string;
  history: Turn[];
  question: string;
  images: CheckedImage[];
  period: BillingPeriod;
  reservedTokens: number;
  maxTokens: number;
}

const quotaExceeded = (user: User, used: number) =>
  new AppError(
    'quota_exceeded',
    'You have used this month’s coaching tokens. Your quota renews with the next period.',
    {
      quota: quotaOf(user.tier, used),
    },
  );

/** Everything that can fail with a plain HTTP error happens here, before the stream opens. */
export async function prepareTurn(
  deps: CoachDeps,
  user: User,
  body: ChatStreamRequest,
  requestId: string,
): Promise<PreparedTurn> {
  const images = checkImages(body.images ?? []);
  const conversations = conversationsRepository(deps.db);
  const existing = body.conversationId ? await conversations.findForUser(body.conversationId, user.id) : undefined;
  if (body.conversationId && !existing) throw notFound('conversation');
  const stored = existing ? await conversations.messages(existing.id) : [];
  // A retry of a question that got no answer: the question is already the last message, not a new turn.
  const last = stored.at(-1);
  const retry = last?.role === 'user' && last.content === body.message;
  const history = selectHistory(retry ? stored.slice(0, -1) : stored);

  // Worst case of the input: the system prompt as if uncached, history, question and images.
  const inputEstimate =
    estimateTextTokens(deps.coaching.text) +
    history.tokens +
    estimateTextTokens(body.message) +
    images.reduce((sum, image) => sum + image.tokens, 0);
  const period = billingPeriodAt(user.periodStart, new Date());
  const rules = TIER_RULES[user.tier];
  const turns = coachingTurnsRepository(deps.db);
  const started = await turns.start({
    userId: user.id,
    periodStart: period.start,
    inputTokens: inputEstimate,
    maxAnswerTokens: MAX_ANSWER_TOKENS,
    minAnswerTokens: MIN_ANSWER_TOKENS,
    // Free is refused at its quota; paid tiers continue past it and the overage is recorded.
    limit: rules.blockAtQuota ? rules.monthlyTokens : null,
    conversationId: existing?.id ?? null,
    title: titleFrom(body.message),
    question: { content: body.message, images: images.map((image) => image.meta) },
  });
  if (!started) throw quotaExceeded(user, await turns.quotaUsed(user.id, period.start));
  return {
    user,
    requestId,
    conversation: started.conversation,
    assistantMessageId: randomUUID(),
    history: history.turns,
    question: body.message,
    images,
    period,
    reservedTokens: started.reservedTokens,
    maxTokens: started.answerTokens,
  };
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
): Promise<void> {
  const started = performance.now();
  const upstreamAbort = new AbortController();
  const abortUpstream = () => upstreamAbort.abort(new Error(`stopped: ${String(stop.reason)}`));
  stop.addEventListener('abort', abortUpstream, { once: true });
  const stoppedOutcome = (outcome: Outcome): Outcome =>
    stop.reason === 'shutdown'
      ? {
          ...outcome,
          status: 'error',
          error: { code: 'unavailable', message: 'The server is restarting. Ask again in a moment.', retryable: true },
        }
      : { ...outcome, status: 'cancelled' };

  // What the stream produced so far; read by the accounting whatever way the stream ends.
  const progress: {
    usage: UpstreamUsage | null;
    outputCounted: boolean;
    text: string;
    ttftMs: number | null;
    model: string;
  } = { usage: null, outputCounted: false, text: '', ttftMs: null, model: deps.model };
  let outcome: Outcome = { status: 'ok', error: null, stopReason: null };
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  const watchIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      upstreamAbort.abort(new Error('upstream idle'));
    }, deps.idleTimeoutMs);
  };

  const start: StreamStartEvent = {
    requestId: turn.requestId,
    conversationId: turn.conversation.id,
    messageId: turn.assistantMessageId,
    model: deps.model,
    coachingVersion: deps.coaching.version,
  };
  await sink.send('stream_start', start);
  let stopped = false;
  try {
    watchIdle();
    const events = deps.upstream(
      {
        model: deps.model,
        maxTokens: turn.maxTokens,
        system: deps.coaching.text,
        history: turn.history,
        question: turn.question,
        images: turn.images,
        userId: turn.user.id,
      },
      upstreamAbort.signal,
    );
    for await (const event of events) {
      watchIdle();
      if (event.type === 'start') {
        progress.usage = event.usage;
        progress.model = event.model;
        await sink.send('message_start', { model: event.model });
      } else if (event.type === 'text') {
        progress.ttftMs ??= Math.round(performance.now() - started);
        progress.text += event.text;
        await sink.send('content_delta', { text: event.text });
      } else if (event.type === 'delta') {
        // Cumulative counts: overwrite, never add.
        if (progress.usage) progress.usage = { ...progress.usage, ...event.usage };
        if (event.usage.outputTokens !== undefined) progress.outputCounted = true;
        outcome.stopReason = event.stopReason;
      } else {
        stopped = true;
      }
    }
    if (stop.aborted) outcome = stoppedOutcome(outcome);
    else if (timedOut) outcome = timeoutOutcome(outcome);
    else if (!stopped) {
      outcome = {
        ...outcome,
        status: 'error',
        error: { code: 'stream_incomplete', message: 'The answer was cut off. Try again.', retryable: true },
      };
    }
  } catch (error) {
    if (stop.aborted) outcome = stoppedOutcome(outcome);
    else if (timedOut) outcome = timeoutOutcome(outcome);
    else {
      outcome = { ...outcome, status: 'error', error: classifyUpstreamError(error) };
      deps.log.warn({ err: error, code: outcome.error?.code }, 'upstream failed');
    }
  } finally {
    clearTimeout(idle);
    stop.removeEventListener('abort', abortUpstream);
  }

  // The final count never came (cancelled or failed mid-answer): bill what was delivered.
  let usage = progress.usage;
  if (usage && !progress.outputCounted) {
    usage = { ...usage, outputTokens: Math.max(usage.outputTokens, estimateOutputTokens(progress.text)) };
  }
  const latencyMs = Math.round(performance.now() - started);
  await finish(deps, turn, sink, { ...progress, usage, latencyMs, outcome });
}

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
  const price = priceFor(result.model) ?? priceFor(deps.model);
  const cost = price ? costUsd(price, tokens) : 0;
  let quotaUsed: number;
  try {
    const used = await coachingTurnsRepository(deps.db).finish({
      assistantMessageId: turn.assistantMessageId,
      answer: result.text,
      reservedTokens: turn.reservedTokens,
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
      },
    });
    quotaUsed = used ?? tokens.inputTokens + tokens.outputTokens;
  } catch (error) {
    deps.log.error({ err: error, requestId: turn.requestId }, 'could not record the coaching turn');
    await sink.send('stream_error', { code: 'internal', message: 'The answer could not be saved.', retryable: true });
    sink.end();
    return;
  }

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

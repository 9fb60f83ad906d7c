// The eval's side of the wire, as the desktop app does it: sign in with the local issuer's OAuth code + PKCE
// flow, then POST /chat/stream with the chart and read the SSE answer, waiting out rate limits.
import { setTimeout as sleep } from 'node:timers/promises';
import { postChat, type ChatResult, type ReceivedEvent } from '../test/support/coach-client.js';
import { signInLocally } from '../test/support/pkce.js';

/** Something the eval could not do that is not the model's fault: the run exits 1. */
export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
}

/** A bearer token for the server's one local user, by the same HTTP flow the desktop app uses. */
export async function signIn(baseUrl: string): Promise<string> {
  try {
    return await signInLocally(baseUrl, 'eval');
  } catch (error) {
    throw new InfrastructureError((error as Error).message);
  }
}

export interface CoachAnswer {
  text: string;
  model: string | null;
  coachingVersion: string | null;
  usage: { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number };
  costUsd: number;
  /** From sending the request to the last event, as the trader waits for it. */
  latencyMs: number;
  ttftMs: number | null;
  stopReason: string | null;
  /** The last event of a failed stream (code `refused` is the model declining). */
  streamError: { code: string; message: string } | null;
  /** The server's own chart reading (`chart_analysis`), when it sent one. */
  chartAnalysis: Record<string, unknown> | null;
  /** Sends, counting the ones repeated after a 429 or a retryable stream error. */
  attempts: number;
}

export interface AskOptions {
  /** Waits out at most this many 429s for one question. Default 6. */
  maxRateLimited?: number;
  /** Retries at most this many retryable stream errors (overloaded, timeout, …). Default 2. */
  maxStreamRetries?: number;
  timeoutMs?: number;
  /** Told before each wait, so a long run says why it is idle. */
  onWait?: (seconds: number, reason: string) => void;
}

const string = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const number = (value: unknown): number => (typeof value === 'number' ? value : 0);
const find = (events: ReceivedEvent[], name: string) => events.find((event) => event.event === name)?.data;

function answerOf(result: ChatResult, latencyMs: number, attempts: number): CoachAnswer {
  const start = find(result.events, 'stream_start');
  const complete = find(result.events, 'stream_complete');
  const failure = find(result.events, 'stream_error');
  const usage = (complete?.usage ?? {}) as Record<string, unknown>;
  return {
    text: result.text(),
    model: string(start?.model),
    coachingVersion: string(start?.coachingVersion),
    usage: {
      inputTokens: number(usage.inputTokens),
      outputTokens: number(usage.outputTokens),
      cacheReadInputTokens: number(usage.cacheReadInputTokens),
      cacheCreationInputTokens: number(usage.cacheCreationInputTokens),
    },
    costUsd: number(complete?.costUsd),
    latencyMs,
    ttftMs: typeof complete?.ttftMs === 'number' ? complete.ttftMs : null,
    stopReason: string(complete?.stopReason),
    streamError: failure ? { code: string(failure.code) ?? 'unknown', message: string(failure.message) ?? '' } : null,
    chartAnalysis: find(result.events, 'chart_analysis') ?? null,
    attempts,
  };
}

const errorOf = (body: unknown): string => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return `${string(error?.code) ?? 'unknown'}: ${string(error?.message) ?? ''}`;
};

/** Asks one question with one chart; retries only what the contract calls retryable. */
export async function askCoach(
  baseUrl: string,
  token: string,
  request: { message: string; png: Buffer },
  options: AskOptions = {},
): Promise<CoachAnswer> {
  const maxRateLimited = options.maxRateLimited ?? 6;
  const maxStreamRetries = options.maxStreamRetries ?? 2;
  let rateLimited = 0;
  let streamRetries = 0;
  const body = { message: request.message, images: [{ mediaType: 'image/png', data: request.png.toString('base64') }] };
  for (let attempt = 1; ; attempt += 1) {
    const started = performance.now();
    const result = await postChat(baseUrl, { authorization: `Bearer ${token}` }, body, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
    });
    const latencyMs = Math.round(performance.now() - started);
    if (result.status === 429 && rateLimited < maxRateLimited) {
      rateLimited += 1;
      // The free tier allows 10 questions a minute: wait as long as the server says.
      const seconds = Number(result.headers.get('retry-after') ?? '10') || 10;
      options.onWait?.(seconds, `rate limited (${errorOf(result.body)})`);
      await sleep(seconds * 1000);
      continue;
    }
    if (result.status !== 200) {
      throw new InfrastructureError(`/chat/stream answered ${result.status} ${errorOf(result.body)}`);
    }
    const answer = answerOf(result, latencyMs, attempt);
    const failure = find(result.events, 'stream_error');
    if (failure?.retryable === true && answer.streamError?.code !== 'refused' && streamRetries < maxStreamRetries) {
      streamRetries += 1;
      const seconds = Math.max(1, Math.ceil(number(failure.retryAfterMs) / 1000) || 10);
      options.onWait?.(seconds, `stream error ${answer.streamError?.code ?? ''}`);
      await sleep(seconds * 1000);
      continue;
    }
    if (answer.streamError && answer.streamError.code !== 'refused') {
      throw new InfrastructureError(`stream ended with ${answer.streamError.code}: ${answer.streamError.message}`);
    }
    if (!answer.streamError && !find(result.events, 'stream_complete')) {
      throw new InfrastructureError('the stream ended without stream_complete or stream_error');
    }
    return answer;
  }
}

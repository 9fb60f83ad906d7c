// Claude through the Anthropic SDK: sends a built Messages request (cached system prompt, the conversation,
// thinking and effort settings) and turns the raw stream into a few typed events. Thinking is never passed
// on: only that a thinking block began. Usage from message_start is overwritten, never added to, by
// message_delta. Failures become stable stream error codes.
import Anthropic, { type Middleware } from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import type {
  MessageParam,
  RawMessageStreamEvent,
  RefusalStopDetails,
  ThinkingConfigParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { FastifyBaseLogger } from 'fastify';
import type { Effort } from '../config/models.js';
import type { StreamErrorEvent } from '../contract/chat.js';
import { nodeBodyOf } from './coach-fetch.js';

export interface UpstreamUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export type UpstreamEvent =
  | { type: 'start'; model: string; usage: UpstreamUsage }
  /** A content block began: the model is thinking (also redacted), writing the answer, or something else. */
  | { type: 'block'; kind: 'thinking' | 'text' | 'other' }
  | { type: 'text'; text: string }
  | {
      type: 'delta';
      usage: Partial<UpstreamUsage>;
      stopReason: string | null;
      refusal: RefusalStopDetails | null;
    }
  | { type: 'stop' };

export interface CoachRequest {
  model: string;
  maxTokens: number;
  thinking: ThinkingConfigParam | undefined;
  effort: Effort | undefined;
  system: string;
  messages: MessageParam[];
  userId: string;
}

export interface UpstreamOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  /** Retries the SDK makes itself for 408/409/429/5xx before the stream starts. */
  maxRetries?: number;
  /** The SDK's fetch (coach-fetch.ts); the global fetch when absent. */
  fetch?: typeof fetch;
  /** Where the SDK's own warnings go (see `sdkWarningsTo`); stderr, as the SDK writes them, when absent. */
  log?: Pick<FastifyBaseLogger, 'warn'>;
}

const readUsage = (usage: {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}): Partial<UpstreamUsage> => {
  const picked: Partial<UpstreamUsage> = {};
  if (typeof usage.input_tokens === 'number') picked.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === 'number') picked.outputTokens = usage.output_tokens;
  if (typeof usage.cache_read_input_tokens === 'number') picked.cacheReadTokens = usage.cache_read_input_tokens;
  if (typeof usage.cache_creation_input_tokens === 'number') {
    picked.cacheWriteTokens = usage.cache_creation_input_tokens;
  }
  return picked;
};

export function createCoachUpstream(options: UpstreamOptions) {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: options.maxRetries ?? 2,
    timeout: 60_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  // The methodology is the same for every trader: cached, so later requests read it at 0.1x.
  const system = (text: string) => [
    { type: 'text' as const, text: serializedOnce(text), cache_control: { type: 'ephemeral' as const } },
  ];

  /** Exact input tokens of `messages` alone (free; no answer): for a trader near the quota, where a bound won't do. */
  const countTokens = async (request: { model: string; messages: MessageParam[] }, signal: AbortSignal) => {
    const counted = await client.messages.countTokens(
      { model: request.model, messages: asciiMessages(request.messages) },
      { signal, timeout: 10_000, middleware: [noLongWaits] },
    );
    return counted.input_tokens;
  };

  const sdkWarnings = options.log ? sdkWarningsTo(options.log) : <T>(call: () => T) => call();

  /**
   * Sends the request at once (not at the first read), so a caller can ask the model while it does other work;
   * the events are read from the returned iterable.
   */
  function streamCoaching(
    request: CoachRequest,
    signal: AbortSignal,
    /** Once aborted, no new attempt is made (see lastAttempt); the one in flight is read on. */
    noMoreAttempts?: AbortSignal,
  ): AsyncIterable<UpstreamEvent> {
    // Stopped while the SDK waits to retry: the call ends now, not once the backoff is over (see lastAttempt).
    const waiting = noMoreAttempts ? new AbortController() : null;
    const callSignal = waiting ? AbortSignal.any([signal, waiting.signal]) : signal;
    // Only the stream is kept, not the SDK's promise: it holds the request's options (the messages, the question's
    // charts included) for as long as it is reachable, and the answer needs none of them.
    const opened = sdkWarnings(() =>
      client.messages
        .create(
          {
            model: request.model,
            max_tokens: request.maxTokens,
            system: system(request.system),
            messages: asciiMessages(request.messages),
            ...(request.thinking ? { thinking: request.thinking } : {}),
            ...(request.effort ? { output_config: { effort: request.effort } } : {}),
            metadata: { user_id: request.userId },
            stream: true,
          },
          {
            signal: callSignal,
            middleware: [
              noLongWaits,
              ...(noMoreAttempts && waiting
                ? [lastAttempt(noMoreAttempts, () => waiting.abort(new NoMoreAttempts('stopped')))]
                : []),
            ],
          },
        )
        .asResponse(),
    ).then((response) => answerEvents(response, signal));
    // Read (and its failure seen) by the iterable; a call abandoned before it is read must not reject unhandled.
    opened.catch(() => undefined);
    return coachingEvents(opened);
  }
  return Object.assign(streamCoaching, { countTokens });
}

export type CoachUpstream = ReturnType<typeof createCoachUpstream>;

/** The longest `retry-after` the SDK may wait out before its retry (it waits out any under a minute). */
export const MAX_RETRY_WAIT_MS = 10_000;

/**
 * The API's 429 and 529 say how long to wait (`retry-after`, in seconds). The SDK waits out any wait under a minute
 * before its retry, twice: a `retry-after: 30` held the trader's stream, slot and reservation for a minute, and then
 * ended as `upstream_timeout` (the idle timer runs from before the call). A wait longer than MAX_RETRY_WAIT_MS is
 * not waited out here: the response says `x-should-retry: false`, which the SDK honours, and the trader is told
 * `upstream_rate_limited` (or `upstream_overloaded`) with the wait, to ask again then.
 */
const noLongWaits: Middleware = async (request, next) => {
  const response = await next(request);
  if (response.ok || response.headers.has('x-should-retry')) return response;
  const wait = retryAfterMs(response.headers);
  if (wait === undefined || wait <= MAX_RETRY_WAIT_MS) return response;
  const headers = new Headers(response.headers);
  headers.set('x-should-retry', 'false');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
};

/** A call the server stopped before the model answered it: no new attempt was made. */
class NoMoreAttempts extends Error {
  override readonly name = 'NoMoreAttempts';
}

/**
 * The SDK retries an attempt that failed (overloaded, rate limited, a lost connection) after a backoff of up to
 * several seconds, as long as the call's signal is not aborted. A call stopped before its first event is read on for
 * its input count (coach-stream.ts, COUNT_WAIT_MS), signal not aborted: a retry then asked the model again for a
 * trader who had gone, and was billed. Once `stopped` is aborted, an attempt is refused before it is sent (an error
 * thrown by a middleware ends the call, not retried). And when no attempt is in flight and none was answered (the SDK
 * is waiting out a backoff, or the attempt in flight has just failed), there is no count to wait for and no attempt
 * to come: `endCall` ends the call at once. It waited out the backoff before, up to COUNT_WAIT_MS, holding a
 * stopped stream, and a shutdown, that long.
 */
const lastAttempt = (stopped: AbortSignal, endCall: () => void): Middleware => {
  let inFlight = 0;
  let answered = false;
  const endIfWaiting = () => {
    if (stopped.aborted && inFlight === 0 && !answered) endCall();
  };
  stopped.addEventListener('abort', endIfWaiting, { once: true });
  return async (request, next) => {
    if (stopped.aborted) throw new NoMoreAttempts('the call was stopped');
    inFlight += 1;
    try {
      const response = await next(request);
      if (response.ok) answered = true;
      return response;
    } finally {
      inFlight -= 1;
      endIfWaiting();
    }
  };
};

/**
 * Runs a call to the SDK with its warnings sent to `log`, each distinct one once per process. `messages.create` warns
 * through console.warn, on every call, when the model is on its deprecation list or gets `thinking.type: enabled`
 * (resources/messages/messages.mjs), and its `logger` option does not take these: a server coaching on such a model
 * would write two unstructured lines to stderr per question, outside the JSON log. The warnings are written
 * synchronously, before the request is sent, so console.warn is replaced for that synchronous stretch only.
 */
function sdkWarningsTo(log: Pick<FastifyBaseLogger, 'warn'>): <T>(call: () => T) => T {
  const seen = new Set<string>();
  const toLog = (...args: unknown[]) => {
    const message = args.map(String).join(' ');
    if (seen.has(message)) return;
    seen.add(message);
    log.warn({ sdkWarning: message }, 'the Anthropic SDK warns');
  };
  return (call) => {
    const warn = console.warn;
    console.warn = toLog;
    try {
      return call();
    } finally {
      console.warn = warn;
    }
  };
}

/** JSON.rawJSON (Node 21+): a value JSON.stringify writes as the given JSON text, as it is. */
const rawJSON = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;

/** The coaching prompt as JSON, made once per text (one text per process, replaced only by a new prompt). */
let serialized: { text: string; json: string } | null = null;

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * `text` as the SDK's JSON.stringify of the request body will write it, in plain ASCII: others escaped as \uXXXX,
 * which the API reads as the same text. One non-ASCII character anywhere in the request (a dash in a chart's
 * title, a trader's curly quote) makes the whole body a two-byte string, twice as dear to serialize, measure and
 * encode for the socket, and with a question's four charts 38 MB on the heap instead of 19. ASCII text as it is.
 */
function asciiText(text: string): string {
  return NON_ASCII.test(text) ? asciiJson(text) : text;
}

/** `text` as ASCII JSON (the string's JSON, others escaped as \uXXXX) that JSON.stringify writes as it is. */
function asciiJson(text: string): string {
  if (!rawJSON) return text;
  const ascii = JSON.stringify(text).replace(
    /[\u0080-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  // Typed as the string it stands for: JSON.stringify writes exactly that string's JSON.
  return rawJSON(ascii) as string;
}

/** The system text as asciiJson, made once instead of on every request: it is most of a body without charts. */
function serializedOnce(text: string): string {
  if (serialized?.text !== text) serialized = { text, json: asciiJson(text) };
  return serialized.json;
}

/** The messages with every text in ASCII (asciiText); images are base64, ASCII already. */
function asciiMessages(messages: MessageParam[]): MessageParam[] {
  return messages.map(
    (message) =>
      // The same message with its texts replaced: its type is the one it had.
      (typeof message.content === 'string'
        ? { ...message, content: asciiText(message.content) }
        : {
            ...message,
            content: message.content.map((block) =>
              block.type === 'text' ? { ...block, text: asciiText(block.text) } : block,
            ),
          }) as MessageParam,
  );
}

/**
 * The answer's events, as the SDK's Stream yields them (pings and unnamed events skipped, `event: error` thrown as
 * the SDK's APIError, an AbortError after an abort ending them quietly; a connection lost mid-answer is the SDK's
 * APIConnectionError, where the SDK threw the socket's own error), parsed here with eventsource-parser from
 * the response's node stream. The SDK still sends the request, retries it and turns an HTTP error into its APIError
 * (`asResponse`); only the answer's body is read here, because the SDK's stream reads it through a web stream, a
 * line decoder and two async generators, a promise or more per chunk each. Without them the server's event loop
 * spent 4.5-5.1 ms per stream instead of 5.2-5.9 in the closed loop of 100 (npm run bench:stream, four runs each),
 * and in a CPU profile of that loop the SDK and the web streams took 3 % of the busy time instead of 10 %, the
 * parsing here 4 %.
 */
async function* answerEvents(response: Response, signal: AbortSignal): AsyncGenerator<RawMessageStreamEvent> {
  const body: AsyncIterable<Uint8Array> | null = nodeBodyOf(response) ?? response.body;
  if (!body) return;
  const parsed: RawMessageStreamEvent[] = [];
  const read: { failure: Error | null } = { failure: null };
  const parser = createParser({
    onEvent: ({ event, data }) => {
      if (read.failure !== null || event === undefined || event === 'ping') return;
      // The error's type is read from its body by the constructor, as for an HTTP error.
      if (event === 'error')
        read.failure = new Anthropic.APIError(undefined, safeJson(data) ?? data, undefined, response.headers);
      else if (data) parsed.push(JSON.parse(data) as RawMessageStreamEvent);
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      for (const event of parsed) yield event;
      parsed.length = 0;
      if (read.failure !== null) throw read.failure;
    }
  } catch (error) {
    if (signal.aborted) {
      if (isAbortError(error)) return;
      throw error;
    }
    if (error === read.failure || error instanceof SyntaxError) throw error;
    // The connection closed or failed before the answer's end (a reset, a proxy gone): the SDK says so of a request
    // it could not send, and the trader is told the coach could not be reached, not that the server failed.
    throw new Anthropic.APIConnectionError({
      message: 'The connection to the API was lost mid-answer.',
      cause: error instanceof Error ? error : undefined,
    });
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const isAbortError = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';

/** The raw stream as the few events the coach passes on. */
async function* coachingEvents(
  opened: PromiseLike<AsyncIterable<RawMessageStreamEvent>>,
): AsyncGenerator<UpstreamEvent> {
  const stream = await opened;
  for await (const event of stream) {
    switch (event.type) {
      case 'message_start':
        yield {
          type: 'start',
          model: event.message.model,
          usage: {
            inputTokens: 0,
            outputTokens: 0,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            ...readUsage(event.message.usage),
          },
        };
        break;
      case 'content_block_start': {
        const kind = event.content_block.type;
        yield {
          type: 'block',
          kind: kind === 'thinking' || kind === 'redacted_thinking' ? 'thinking' : kind === 'text' ? 'text' : 'other',
        };
        break;
      }
      case 'content_block_delta':
        // thinking_delta and signature_delta are the model's reasoning: never shown, stored or billed apart.
        if (event.delta.type === 'text_delta' && event.delta.text.length > 0)
          yield { type: 'text', text: event.delta.text };
        break;
      case 'message_delta':
        yield {
          type: 'delta',
          usage: readUsage(event.usage),
          stopReason: event.delta.stop_reason ?? null,
          refusal: event.delta.stop_details ?? null,
        };
        break;
      case 'message_stop':
        yield { type: 'stop' };
        break;
      default:
        // content_block_stop and event types added to the API later carry nothing we show.
        break;
    }
  }
}

const retryAfterMs = (headers: Headers | undefined): number | undefined => {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(headers?.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
};

/** The stream_error a failure becomes. The message is for the trader; details stay in our logs. */
export function classifyUpstreamError(error: unknown): StreamErrorEvent {
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return { code: 'upstream_timeout', message: 'The coach took too long to answer. Try again.', retryable: true };
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return { code: 'upstream_error', message: 'The coach could not be reached. Try again.', retryable: true };
  }
  if (error instanceof Anthropic.APIError) {
    const after = retryAfterMs(error.headers as Headers | undefined);
    const withRetry = after === undefined ? {} : { retryAfterMs: after };
    if (error.status === 429 || error.type === 'rate_limit_error') {
      return {
        code: 'upstream_rate_limited',
        message: 'The coach is busy right now. Try again shortly.',
        retryable: true,
        ...withRetry,
      };
    }
    if (error.status === 529 || error.type === 'overloaded_error') {
      return {
        code: 'upstream_overloaded',
        message: 'The coach is overloaded right now. Try again shortly.',
        retryable: true,
        ...withRetry,
      };
    }
    if (error.status === undefined || error.status >= 500 || error.type === 'api_error') {
      return {
        code: 'upstream_error',
        message: 'The coach had a problem answering. Try again.',
        retryable: true,
        ...withRetry,
      };
    }
    if (error.status === 404 || error.type === 'not_found_error') {
      // The API does not serve the model: it was retired (from its announced day) or never had that name.
      return {
        code: 'upstream_unconfigured',
        message: 'Coaching is not configured correctly on the server (its model is not available).',
        retryable: false,
      };
    }
    if (error.status === 401 || error.status === 403) {
      return {
        code: 'upstream_unconfigured',
        message: 'Coaching is not configured correctly on the server (the API key was refused).',
        retryable: false,
      };
    }
    if (error.status === 402 || error.type === 'billing_error') {
      // The API account's payment or credit: only the operator can fix it, and every question fails until then.
      // It was `upstream_rejected`, which told the trader to try a smaller image.
      return {
        code: 'upstream_unconfigured',
        message: 'Coaching is not available on the server right now (its API account needs attention).',
        retryable: false,
      };
    }
    return {
      code: 'upstream_rejected',
      message: 'The coach could not take this request (it may be too large). Try a smaller image or question.',
      retryable: false,
    };
  }
  return { code: 'internal', message: 'Something went wrong on our side. Try again.', retryable: true };
}

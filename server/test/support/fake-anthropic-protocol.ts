// The Messages API as the fake upstream speaks it: what a test can script, the wire payloads (typed with the
// SDK's own types so a drift in the protocol breaks the build), error bodies, and token estimates.
import type {
  ContentBlock,
  Message,
  MessageCreateParamsBase,
  MessageDeltaUsage,
  RawMessageStreamEvent,
  RefusalStopDetails,
  StopReason,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import { imageSize } from 'image-size';

/** Token counts in the four kinds the API reports; `inputTokens` is the uncached part only. */
export interface FakeUsage {
  inputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  outputTokens: number;
}

/** An HTTP error answered before any byte of the stream, as the API does for 429 / 529 / 5xx. */
export interface FailBeforeStream {
  status: number;
  /** Defaults from the status: 429 rate_limit_error, 529 overloaded_error, 5xx api_error, … */
  errorType?: ErrorType;
  message?: string;
  /** The `retry-after` header, in seconds (or an HTTP date), verbatim. */
  retryAfter?: string;
  /** The `retry-after-ms` header, which the SDK prefers over `retry-after`. */
  retryAfterMs?: number;
  /** The `x-should-retry` header, which overrides the SDK's own decision. */
  shouldRetry?: boolean;
}

/** An `event: error` after HTTP 200, once `afterChunks` text deltas went out. */
export interface FailMidStream {
  afterChunks: number;
  errorType?: ErrorType;
  message?: string;
}

/** The thinking block a model writes before its answer (Claude 5 models think by default). */
export interface FakeThinking {
  /** thinking_delta texts, sent only when the request asked for display "summarized". */
  chunks?: readonly string[];
  /** Thinking tokens, counted in output_tokens and against max_tokens. Default: by the request's effort. */
  tokens?: number;
  /** A redacted_thinking block instead (opaque data, no text at all). */
  redacted?: boolean;
  /** How long the model thinks before its first text (the API sends pings meanwhile). */
  delayMs?: number;
}

/** A refusal by the streaming classifiers after `afterChunks` text deltas (0: before any text). */
export interface FakeRefusal {
  afterChunks: number;
  category?: RefusalStopDetails['category'];
  explanation?: string;
}

/** What the fake does for one request. Every field is optional; the defaults make a short, quick answer. */
export interface FakeScript {
  /** The answer, one `text_delta` per element, in order (cut where `max_tokens` runs out). */
  chunks?: readonly string[];
  /**
   * Thinking before the answer. By default the model thinks as the request and the model's docs say (the
   * Claude 5 models always, others when asked); `false` is adaptive thinking deciding not to think.
   */
  thinking?: false | FakeThinking;
  refusal?: FakeRefusal;
  /** Ignores max_tokens: only for transport tests that need an answer larger than any real one. */
  unlimited?: boolean;
  /** Overrides the simulated counts (estimated prompt, prompt-cache simulation, thinking + text output). */
  usage?: Partial<FakeUsage>;
  stopReason?: StopReason;
  /** Waits before the response headers (time to connect, queueing at the API). */
  headersDelayMs?: number;
  /** Waits between `content_block_start` and the first delta; `chunkDelayMs` when unset. */
  firstChunkDelayMs?: number;
  chunkDelayMs?: number;
  /** A `ping` after `message_start` and between deltas, as the API sends while the model thinks. */
  ping?: boolean;
  /** Event types the SDK does not know, interleaved: clients must tolerate them. */
  unknownEvents?: boolean;
  /** Sends headers, `message_start` and this many deltas, then nothing until the client goes away. */
  stallAfterChunks?: number;
  failBeforeStream?: FailBeforeStream;
  failMidStream?: FailMidStream;
  /** Sends this many deltas, then closes the connection without a word (a reset, a proxy dying): no error event. */
  dropAfterChunks?: number;
}

export const DEFAULT_CHUNKS: readonly string[] = [
  'A 2-1-2 ',
  'triggers only when ',
  'price takes out ',
  'the inside bar.',
];

/** The event name that stands for "a type added to the API after this client was written". */
export const UNKNOWN_EVENT = 'fake_future_event';

export const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const DEFAULT_ERRORS: Record<number, { type: ErrorType; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  // The account's payment failed, or its credit is spent (the API's errors page).
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'Not found' },
  408: { type: 'timeout_error', message: 'Request timed out' },
  413: { type: 'invalid_request_error', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of requests has exceeded your per-minute rate limit.' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function defaultError(status: number): { type: ErrorType; message: string } {
  return DEFAULT_ERRORS[status] ?? { type: 'api_error', message: 'Internal server error' };
}

export interface ErrorBody {
  type: 'error';
  error: { type: ErrorType; message: string };
  request_id: string;
}

export const errorBody = (type: ErrorType, message: string, requestId: string): ErrorBody => ({
  type: 'error',
  error: { type, message },
  request_id: requestId,
});

function wireUsage(usage: FakeUsage, outputTokens: number): Usage {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
    cache_read_input_tokens: usage.cacheReadInputTokens,
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheCreationInputTokens, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    speed: null,
  };
}

/** A whole Message: the non-streaming answer, or (content null: empty, placeholder output) `message_start`'s. */
export function message(
  id: string,
  model: string,
  content: ContentBlock[] | null,
  usage: FakeUsage,
  stop: StopReason,
  stopDetails: RefusalStopDetails | null = null,
): Message {
  const done = content !== null;
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: content ?? [],
    stop_reason: done ? stop : null,
    stop_sequence: null,
    stop_details: done ? stopDetails : null,
    container: null,
    diagnostics: null,
    // The API reports a small placeholder in message_start; the real count comes with message_delta.
    usage: wireUsage(usage, done ? usage.outputTokens : 1),
  };
}

export const messageStart = (id: string, model: string, usage: FakeUsage): RawMessageStreamEvent => ({
  type: 'message_start',
  message: message(id, model, null, usage, 'end_turn'),
});

export const textBlockStart = (index: number): RawMessageStreamEvent => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'text', text: '', citations: null },
});

export const textDelta = (index: number, text: string): RawMessageStreamEvent => ({
  type: 'content_block_delta',
  index,
  delta: { type: 'text_delta', text },
});

/** A thinking block opens empty; its text (if displayed) and signature come as deltas. */
export const thinkingBlockStart: RawMessageStreamEvent = {
  type: 'content_block_start',
  index: 0,
  content_block: { type: 'thinking', thinking: '', signature: '' },
};

export const redactedThinkingBlockStart = (data: string): RawMessageStreamEvent => ({
  type: 'content_block_start',
  index: 0,
  content_block: { type: 'redacted_thinking', data },
});

export const thinkingDelta = (thinking: string): RawMessageStreamEvent => ({
  type: 'content_block_delta',
  index: 0,
  delta: { type: 'thinking_delta', thinking },
});

export const signatureDelta = (signature: string): RawMessageStreamEvent => ({
  type: 'content_block_delta',
  index: 0,
  delta: { type: 'signature_delta', signature },
});

export const contentBlockStop = (index: number): RawMessageStreamEvent => ({ type: 'content_block_stop', index });

/** Every count is the cumulative total for the message, as the API sends it: clients overwrite, never add. */
export function messageDelta(
  usage: FakeUsage,
  stop: StopReason,
  stopDetails: RefusalStopDetails | null = null,
): RawMessageStreamEvent {
  const deltaUsage: MessageDeltaUsage = {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
    cache_read_input_tokens: usage.cacheReadInputTokens,
    output_tokens: usage.outputTokens,
    output_tokens_details: null,
    server_tool_use: null,
  };
  return {
    type: 'message_delta',
    delta: { stop_reason: stop, stop_sequence: null, stop_details: stopDetails, container: null },
    usage: deltaUsage,
  };
}

export const messageStop: RawMessageStreamEvent = { type: 'message_stop' };

/** A request body after the fake's minimal checks, or the API's message for the first field that fails. */
export function validateBody(
  raw: string,
): { ok: true; body: MessageCreateParamsBase } | { ok: false; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'The request body is not valid JSON.' };
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.model !== 'string' || fields.model === '') return { ok: false, message: 'model: Field required' };
  const maxTokens = fields.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    return { ok: false, message: 'max_tokens: Field required (a positive integer)' };
  }
  if (!Array.isArray(fields.messages) || fields.messages.length === 0) {
    return { ok: false, message: 'messages: at least one message is required' };
  }
  const refused = contentRefusal(fields.messages);
  if (refused) return { ok: false, message: refused };
  // Past these checks the body is taken to be the SDK's shape: the fake is driven by the SDK.
  return { ok: true, body: body as MessageCreateParamsBase };
}

/** The API's limit on an image's base64 text (not its bytes): "image exceeds 5 MB maximum". */
const MAX_IMAGE_BASE64_CHARS = 5 * 1024 * 1024;
/** The API's limit on an image's sides (with up to 20 images in the request). */
const MAX_IMAGE_SIDE_PX = 8_000;

/**
 * What the Messages API refuses in the messages' content blocks, in its words, for the first block that fails: a
 * text block that is empty or whitespace alone, an image whose base64 passes 5 MB, an image over 8,000 px on a
 * side. (anthropics/claude-code#11181 and #23440, the vision guide's limits.)
 */
function contentRefusal(messages: unknown[]): string | null {
  for (const [m, message] of messages.entries()) {
    const content = (message as { content?: unknown }).content;
    if (typeof content === 'string') {
      if (content === '') return `messages.${m}: text content blocks must be non-empty`;
      if (!/\S/.test(content)) return `messages.${m}: text content blocks must contain non-whitespace text`;
      continue;
    }
    if (!Array.isArray(content)) continue;
    for (const [b, block] of content.entries()) {
      const { type, text, source } = block as { type?: unknown; text?: unknown; source?: unknown };
      if (type === 'text' && typeof text === 'string') {
        if (text === '') return `messages.${m}.content.${b}: text content blocks must be non-empty`;
        if (!/\S/.test(text)) return `messages: text content blocks must contain non-whitespace text`;
      }
      const data = (source as { type?: unknown; data?: unknown } | undefined)?.data;
      if (type !== 'image' || typeof data !== 'string') continue;
      if (data.length > MAX_IMAGE_BASE64_CHARS) {
        return `messages.${m}.content.${b}.image.source.base64: image exceeds 5 MB maximum: ${data.length} bytes > ${MAX_IMAGE_BASE64_CHARS} bytes`;
      }
      let size: { width?: number; height?: number } | undefined;
      try {
        size = imageSize(Buffer.from(data, 'base64'));
      } catch {
        size = undefined;
      }
      if ((size?.width ?? 0) > MAX_IMAGE_SIDE_PX || (size?.height ?? 0) > MAX_IMAGE_SIDE_PX) {
        return `messages.${m}.content.${b}.image.source.base64.data: At least one of the image dimensions exceed max allowed size: ${MAX_IMAGE_SIDE_PX} pixels`;
      }
    }
  }
  return null;
}

// POST /chat/stream: the request, and the server-sent events of the answer.
import { Type, type Static } from 'typebox';

export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];
export const MAX_IMAGES = 4;
/**
 * The Messages API refuses an image whose base64 passes 5 MB (5,242,880 characters: "image exceeds 5 MB maximum"),
 * counted on the base64 text, not the bytes it decodes to: 3.75 MiB of image at most.
 */
export const UPSTREAM_MAX_IMAGE_BASE64_CHARS = 5 * 1024 * 1024;
export const MAX_IMAGE_BYTES = (UPSTREAM_MAX_IMAGE_BASE64_CHARS / 4) * 3;
/** The Messages API refuses an image larger than this on either side. */
export const MAX_IMAGE_SIDE_PX = 8_000;
export const MAX_MESSAGE_CHARS = 20_000;
export const MAX_LABEL_CHARS = 40;

export const ChatImage = Type.Object(
  {
    // Spelled out: a union built with .map loses the literal types.
    mediaType: Type.Union([Type.Literal('image/png'), Type.Literal('image/jpeg'), Type.Literal('image/webp')]),
    /**
     * Base64 of the image bytes (no data: prefix), padded to a multiple of four characters (the server checks
     * the padding, and that the bytes are an image). Over MAX_IMAGE_BYTES decoded is 413.
     */
    data: Type.String({ minLength: 4, pattern: '^[A-Za-z0-9+/]+={0,2}$' }),
    /** The chart's timeframe (and symbol), e.g. "SPY 60m": given to the model right before the image. */
    label: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_LABEL_CHARS, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]+$' }),
    ),
  },
  { additionalProperties: false },
);
export type ChatImage = Static<typeof ChatImage>;

export const ChatStreamRequest = Type.Object(
  {
    message: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS }),
    conversationId: Type.Optional(Type.String({ format: 'uuid' })),
    images: Type.Optional(Type.Array(ChatImage, { maxItems: MAX_IMAGES })),
    /**
     * Regenerate, Edit & resend: the id of the conversation's last question (stream_start's questionId). Once the
     * quota is reserved, that question and what follows it (its answer, its charts) leave the conversation and
     * the model's context, and this question takes their place. Sent without images, it keeps the replaced
     * question's charts. Needs conversationId; a question that is not the last is 400, an unknown id 404.
     */
    replaces: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);
export type ChatStreamRequest = Static<typeof ChatStreamRequest>;

export interface StreamStartEvent {
  requestId: string;
  conversationId: string;
  /** Id the assistant's message will have in the conversation's history. */
  messageId: string;
  /** The stored question this turn answers (what `replaces` names to ask it again); absent when not known. */
  questionId?: string;
  /** The model that answers; 'local-chart-reader' when the server has no ANTHROPIC_API_KEY (the reader alone). */
  model: string;
  coachingVersion: string;
}

export interface MessageStartEvent {
  /** 'local-chart-reader': the answer is the local reader's read-out, not coaching (no API key on the server). */
  model: string;
}

/** thinking: the model is reasoning (nothing to show yet); writing: the answer's text has begun. */
export type CoachState = 'thinking' | 'writing';
export interface CoachStatusEvent {
  state: CoachState;
}

export interface ContentDeltaEvent {
  text: string;
}

export interface StreamUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface StreamCompleteEvent {
  usage: StreamUsage;
  costUsd: number;
  latencyMs: number;
  ttftMs: number | null;
  /**
   * end_turn, or max_tokens (or model_context_window_exceeded) when the answer was cut short (the trader may ask the
   * coach to continue): see isCutShort.
   */
  stopReason: string | null;
  quota: { limit: number | null; used: number; remaining: number | null; percent: number | null };
}

/** A candle as the local chart reader measured it, in the image's own pixels (y grows down). */
export interface ChartAnalysisCandle {
  /** Centre, from the image's left edge. */
  x: number;
  highPx: number;
  lowPx: number;
  openPx: number;
  closePx: number;
  /** The Strat number against the candle before it; null when within a pixel or a wick end is hidden. */
  type: '1' | '2U' | '2D' | '3' | null;
  confidence: number;
}

/**
 * Why a chart has no reading: no_candles (not a candlestick chart the reader understands), image_too_large (over
 * 7680 × 4320 pixels), unreadable_image (not decodable), timeout (not read within the server's budget, 1.5 s).
 */
export type ChartAnalysisSkip = 'no_candles' | 'image_too_large' | 'unreadable_image' | 'timeout';

export interface ChartAnalysisImage {
  /** Position of the chart in the question's images (0-based). */
  index: number;
  /** The image's size in pixels: the candles' coordinates are in this space. */
  width: number;
  height: number;
  /** The last 12 candles, oldest first; the right-most is the live bar. Empty when skipped. */
  candles: ChartAnalysisCandle[];
  /** The last bars' numbers, oldest first, "?" where unsure: "2D-1-2U". */
  sequence: string;
  combo: { name: string; bars: string; side: 'long' | 'short' | 'both'; status: string } | null;
  /** The trigger bar, as an index into `candles`, and which of its ends triggers. */
  trigger: { candle: number; side: 'long' | 'short' | 'both' } | null;
  skipped?: ChartAnalysisSkip;
}

/**
 * The local reader's reading of each chart of the question (sent with it, or kept from the question it replaces):
 * after stream_start, before message_start; also when no model is configured. Not sent for a question without
 * charts of its own. History keeps each image, without `index`, as ImageMeta.analysis.
 */
export interface ChartAnalysisEvent {
  images: ChartAnalysisImage[];
}

/** Stable codes of a failed stream. */
export const STREAM_ERROR_CODES = [
  'upstream_rate_limited',
  'upstream_overloaded',
  'upstream_error',
  'upstream_timeout',
  'upstream_rejected',
  'upstream_unconfigured',
  'refused',
  'stream_incomplete',
  'unavailable',
  'internal',
] as const;
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

export interface StreamErrorEvent {
  code: StreamErrorCode;
  message: string;
  /** true: the same request may succeed if sent again (after retryAfterMs when given). */
  retryable: boolean;
  retryAfterMs?: number;
}

/** Every event of the stream, by its SSE `event:` name. */
export interface CoachEventMap {
  stream_start: StreamStartEvent;
  chart_analysis: ChartAnalysisEvent;
  message_start: MessageStartEvent;
  coach_status: CoachStatusEvent;
  content_delta: ContentDeltaEvent;
  stream_complete: StreamCompleteEvent;
  stream_error: StreamErrorEvent;
}
export type CoachEventName = keyof CoachEventMap;
export type CoachEvent = { [Name in CoachEventName]: { event: Name; data: CoachEventMap[Name] } }[CoachEventName];

/** Seconds between `: ping` comments while the stream is open. */
export const PING_INTERVAL_S = 15;

/**
 * A stop reason that means the answer was cut short, not finished: its length limit (max_tokens), or the model's
 * context window, which the API's docs say to treat as truncated as well.
 */
export const isCutShort = (stopReason: string | null | undefined): boolean =>
  stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded';

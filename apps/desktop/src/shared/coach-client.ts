// The HTTP client of the coach API, used by the Electron main process and by the web host: JSON calls
// with the contract's errors, and POST /chat/stream read with eventsource-parser into typed events.
// Chunks may split anywhere (mid-line, mid-character); `: ping` comments are skipped; a stream that ends
// without its final event is reported as an error, never as success.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ChatStreamRequest, CoachEvent, CoachEventName } from '@strat-coach/server/contract';
import type { HostError, HostResult } from './host-api';

export interface CoachClientOptions {
  /** The server's origin, e.g. http://127.0.0.1:3001 (empty string: same origin, for the web host). */
  baseUrl: string;
  /** The current access token, or null when signed out. Called for every request. */
  accessToken: () => Promise<string | null>;
  fetch?: typeof fetch;
}

/** Bytes the server sent and their media type (a stored chart). */
export interface StoredBytes {
  mediaType: string;
  bytes: Uint8Array;
}

export type StreamOutcome = 'completed' | 'failed' | 'refused' | 'cancelled';

const EVENT_NAMES: ReadonlySet<string> = new Set<CoachEventName>([
  'stream_start',
  'chart_analysis',
  'message_start',
  'coach_status',
  'content_delta',
  'stream_complete',
  'stream_error',
]);

export const offline = (message = 'The coach server cannot be reached. Is it running?'): HostError => ({
  code: 'offline',
  message,
  status: null,
});

/** The contract's error body, or a generic error for whatever else came back. */
export async function readError(response: Response): Promise<HostError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const { code, message, ...details } = (error ?? {}) as Record<string, unknown>;
  const retryAfterMs =
    typeof details.retryAfterMs === 'number'
      ? details.retryAfterMs
      : Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : undefined;
  return {
    code: typeof code === 'string' ? code : `http_${response.status}`,
    message: typeof message === 'string' ? message : `The server answered ${response.status}.`,
    status: response.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
}

export function createCoachClient(options: CoachClientOptions) {
  const doFetch = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
  const url = (path: string) => `${options.baseUrl}/api/v1${path}`;

  const headers = async (extra: Record<string, string> = {}): Promise<Record<string, string>> => {
    const token = await options.accessToken();
    return { ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  };

  /** One call: an offline error when the server cannot be reached, the contract's error for a refusal. */
  const call = async <T>(
    path: string,
    init: RequestInit,
    read: (response: Response) => Promise<T>,
  ): Promise<HostResult<T>> => {
    let response: Response;
    try {
      response = await doFetch(url(path), init);
    } catch {
      return { ok: false, error: offline() };
    }
    if (!response.ok) return { ok: false, error: await readError(response) };
    return { ok: true, value: await read(response) };
  };

  return {
    async get<T>(path: string, signal?: AbortSignal): Promise<HostResult<T>> {
      return call(
        path,
        { headers: await headers(), ...(signal ? { signal } : {}) },
        (response) => response.json() as Promise<T>,
      );
    },

    /** A change or a computation (read a chart, rename, delete): a JSON body when given; a 204 answers `undefined`. */
    async send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<HostResult<T>> {
      const init: RequestInit = {
        method,
        headers: await headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      };
      return call(path, init, async (response) =>
        response.status === 204 ? (undefined as T) : ((await response.json()) as T),
      );
    },

    /** A binary resource (a stored chart): its bytes and media type. */
    async getBytes(path: string, signal?: AbortSignal): Promise<HostResult<StoredBytes>> {
      return call(path, { headers: await headers(), ...(signal ? { signal } : {}) }, async (response) => ({
        mediaType: response.headers.get('content-type')?.split(';')[0]?.trim() ?? 'application/octet-stream',
        bytes: new Uint8Array(await response.arrayBuffer()),
      }));
    },

    /**
     * Streams one coaching answer. Resolves with how it ended once the stream is over; `onEvent` has by
     * then received every event in order (ending with stream_complete or stream_error) unless the request
     * was refused before the stream (`onError`) or cancelled through `signal`.
     */
    async streamChat(
      request: ChatStreamRequest,
      handlers: { onEvent(event: CoachEvent): void; onError(error: HostError): void },
      signal?: AbortSignal,
    ): Promise<StreamOutcome> {
      let response: Response;
      try {
        response = await doFetch(url('/chat/stream'), {
          method: 'POST',
          headers: await headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
          body: JSON.stringify(request),
          ...(signal ? { signal } : {}),
        });
      } catch {
        if (signal?.aborted) return 'cancelled';
        handlers.onError(offline());
        return 'refused';
      }
      if (!response.ok || !response.body) {
        handlers.onError(await readError(response));
        return 'refused';
      }

      // Set from the parser's callbacks: how the stream ended, or why it could not be read.
      const state: { final: 'completed' | 'failed' | null; broken: string | null } = { final: null, broken: null };
      const parser = createParser({
        onEvent(message: EventSourceMessage) {
          // Nothing more reaches the caller once it cancelled, even from the chunk being parsed.
          if (state.final || state.broken || signal?.aborted) return;
          if (!message.event || !EVENT_NAMES.has(message.event)) return;
          let data: unknown;
          try {
            data = JSON.parse(message.data);
          } catch {
            state.broken = `unreadable ${message.event} event`;
            return;
          }
          const event = { event: message.event, data } as CoachEvent;
          if (event.event === 'stream_complete') state.final = 'completed';
          if (event.event === 'stream_error') state.final = 'failed';
          handlers.onEvent(event);
        },
      });

      const decoder = new TextDecoder();
      // Node's types give fetch bodies as ReadableStream<any>; the bytes are Uint8Array in Node and the page alike.
      const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
          if (state.final || state.broken) break;
        }
        parser.feed(decoder.decode());
      } catch {
        if (signal?.aborted) return 'cancelled';
      } finally {
        reader.releaseLock();
      }
      if (state.final) return state.final;
      if (signal?.aborted) return 'cancelled';
      handlers.onEvent({
        event: 'stream_error',
        data: {
          code: 'stream_incomplete',
          message: state.broken
            ? `The answer could not be read (${state.broken}).`
            : 'The answer was cut off. Try again.',
          retryable: true,
        },
      });
      return 'failed';
    },
  };
}

export type CoachClient = ReturnType<typeof createCoachClient>;

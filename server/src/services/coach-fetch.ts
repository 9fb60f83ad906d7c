// The fetch the Anthropic SDK calls the model with: node:http(s) over a keep-alive agent of our own, without the
// undici package (which broke the slow-reader heap bound under Node 24) and without the global fetch's layers.
// Idle connections are kept as long as the API's Keep-Alive hint allows (Node's agent honours it, less a
// second), so a question reuses a warm connection instead of opening one. The body streams back with
// backpressure: when the answer is not read, the socket is not read either.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** Responses that carry no body, whatever the server sent. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface CoachFetch {
  fetch: typeof fetch;
  /** Closes the idle connections (at shutdown). */
  close(): void;
}

export function createCoachFetch(): CoachFetch {
  const options: http.AgentOptions = { keepAlive: true, keepAliveMsecs: 1_000, scheduling: 'lifo' };
  const agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };

  const viaHttp = (url: URL, init: RequestInit, text: string | Uint8Array | undefined): Promise<Response> =>
    new Promise((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const headers: Record<string, string> = {};
      // The SDK passes a Headers: read as it is, not copied into another first.
      (init.headers instanceof Headers ? init.headers : new Headers(init.headers)).forEach((value, name) => {
        headers[name] = value;
      });
      // Encoded once: its length is the buffer's, and the socket is given bytes, not the string to encode again.
      const body = typeof text === 'string' ? Buffer.from(text) : text;
      if (body !== undefined) headers['content-length'] = String(body.byteLength);
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers,
        agent: agents[url.protocol as keyof typeof agents],
      });
      const onAbort = () => request.destroy(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      request.once('response', (response) => {
        // From here an abort ends the body (the SDK's reader sees the error), not the promise.
        const status = response.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (Array.isArray(value)) for (const each of value) responseHeaders.append(name, each);
          else if (value !== undefined) responseHeaders.set(name, value);
        }
        response.once('close', () => signal?.removeEventListener('abort', onAbort));
        const stream = NULL_BODY_STATUSES.has(status) ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
        if (stream === null) response.resume();
        resolve(new Response(stream, { status, statusText: response.statusMessage ?? '', headers: responseHeaders }));
      });
      request.end(body);
    });

  const coachFetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body ?? undefined;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : null;
    // Everything the SDK sends for coaching is a string; anything else goes through the global fetch.
    if (url && (url.protocol === 'http:' || url.protocol === 'https:') && isSimpleBody(body)) {
      return viaHttp(url, init, body);
    }
    return fetch(input, init);
  }) as typeof fetch;

  return {
    fetch: coachFetch,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

const isSimpleBody = (body: unknown): body is string | Uint8Array | undefined =>
  body === undefined || typeof body === 'string' || body instanceof Uint8Array;

const abortError = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');

// The fetch the Anthropic SDK calls the model with: node:http(s) over a keep-alive agent of our own, without the
// undici package (which broke the slow-reader heap bound under Node 24) and without the global fetch's layers.
// Idle connections are kept a second less than the API's Keep-Alive hint allows (IDLE_CONNECTION_MS without one),
// so a question reuses a warm connection instead of opening one; a question sent on a kept connection just as the
// API closed it is sent again at once, on a new one. The body streams back with backpressure: when the answer is
// not read, the socket is not read either.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/**
 * How long an idle connection is kept when the API gives no Keep-Alive hint; a hint lowers it (to the hint less a
 * second). Node's agent applies the hint only below its own `timeout`: without one, idle connections were kept until
 * the API closed them, and a question sent at that moment failed (ECONNRESET) and waited for the SDK's retry, half a
 * second or more (npm run bench:stream: the first burst after a pause had 2-6 questions at 450-600 ms).
 */
const IDLE_CONNECTION_MS = 60_000;

/**
 * A kept connection's failure before any answer that means the API had closed it as the question went out: the
 * question is sent again at once on a new connection, as Node's documentation advises (the SDK would retry it too,
 * after its backoff).
 */
const CLOSED_UNDER_US = new Set(['ECONNRESET', 'EPIPE']);

/** Responses that carry no body, whatever the server sent. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface CoachFetch {
  fetch: typeof fetch;
  /** Closes the idle connections (at shutdown). */
  close(): void;
}

export function createCoachFetch(): CoachFetch {
  // `timeout` is the idle connection's: an answer in flight is not cut by it (the agent only ends a free socket).
  const options: http.AgentOptions = {
    keepAlive: true,
    keepAliveMsecs: 1_000,
    scheduling: 'lifo',
    timeout: IDLE_CONNECTION_MS,
  };
  const agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };

  /**
   * Sends the request and returns it. Nothing here outlives the call: the body (20 MB or more with a question's
   * charts) and `init` (which holds it too) are not captured by the listeners that live as long as the answer.
   */
  const send = (url: URL, init: RequestInit, body: string | Uint8Array | undefined): http.ClientRequest => {
    const headers: Record<string, string> = {};
    // The SDK passes a Headers: read as it is, not copied into another first.
    (init.headers instanceof Headers ? init.headers : new Headers(init.headers)).forEach((value, name) => {
      headers[name] = value;
    });
    // The string goes to the socket as it is: node encodes it into memory freed once it is written. A Buffer of it
    // (as before) stayed on the heap until a collection: the server's peak RSS under four-chart questions was
    // 450-480 MB with it, 400-435 MB without (npm run bench:memory, alternated).
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body?.byteLength;
    if (length !== undefined) headers['content-length'] = String(length);
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: init.method ?? 'GET',
      headers,
      agent: agents[url.protocol as keyof typeof agents],
    });
    request.end(body);
    return request;
  };

  const viaHttp = async (url: URL, init: RequestInit, body: string | Uint8Array | undefined): Promise<Response> => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw abortError(signal);
    const request = send(url, init, body);
    try {
      return await responseOf(request, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!request.reusedSocket || signal?.aborted || code === undefined || !CLOSED_UNDER_US.has(code)) throw error;
      // The connections kept as long or longer (the last one freed is taken first) were closed too: they go, and the
      // question goes once more, on a new connection.
      const agent = agents[url.protocol as keyof typeof agents];
      for (const socket of Object.values(agent.freeSockets).flat()) socket?.destroy();
      return responseOf(send(url, init, body), signal);
    }
  };

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

/** ReadableStream.from (Node 20.6+), which the project's @types/node does not declare yet. */
const readableStreamFrom = (
  ReadableStream as unknown as { from(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> }
).from.bind(ReadableStream);

const nodeBodies = new WeakMap<Response, http.IncomingMessage>();

/**
 * The node stream behind a response this fetch returned, when its body has not been read as a web stream: reading it
 * directly skips the web stream's adapter and its promise per chunk (coach-upstream.ts reads an answer so).
 */
export function nodeBodyOf(response: Response): Readable | undefined {
  return response.bodyUsed ? undefined : nodeBodies.get(response);
}

/** The response of a request sent, as the SDK's fetch returns it; an abort destroys the request. */
function responseOf(request: http.ClientRequest, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
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
      const hasBody = !NULL_BODY_STATUSES.has(status);
      if (!hasBody) response.resume();
      // The web stream over the body is lazy (ReadableStream.from starts reading at its first pull): an answer is read
      // from the node stream itself (nodeBodyOf), and only a body read as the SDK reads it (an error's, a count's)
      // goes through it.
      const web = new Response(hasBody ? readableStreamFrom(response) : null, {
        status,
        statusText: response.statusMessage ?? '',
        headers: responseHeaders,
      });
      if (hasBody) nodeBodies.set(web, response);
      resolve(web);
    });
  });
}

const isSimpleBody = (body: unknown): body is string | Uint8Array | undefined =>
  body === undefined || typeof body === 'string' || body instanceof Uint8Array;

const abortError = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');

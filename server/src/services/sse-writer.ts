// Writes server-sent events on a raw response with backpressure: when the socket's buffer is full the
// writer waits for 'drain' (and stops pulling from upstream), so a slow reader never makes the server
// hold the whole answer in memory. A reader that stops reading altogether is dropped after a timeout, so it
// cannot hold a stream (and its trader's stream slot) open for ever. Comments keep proxies from closing an
// idle stream.
import { once } from 'node:events';
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { PING_INTERVAL_S, type CoachEventMap, type CoachEventName } from '../contract/chat.js';

export interface EventSink {
  send<Name extends CoachEventName>(event: Name, data: CoachEventMap[Name]): Promise<void>;
  /** The client went away (or the stream was ended). */
  readonly closed: boolean;
  end(): void;
}

/** How long a write may wait for the client to read before the connection is dropped (SSE_WRITE_TIMEOUT_MS). */
export const DEFAULT_SSE_WRITE_TIMEOUT_MS = 30_000;

/** One event as it goes on the wire. The answer's text deltas, most of a stream, skip building an object. */
export function sseFrame<Name extends CoachEventName>(event: Name, data: CoachEventMap[Name]): string {
  const json =
    event === 'content_delta'
      ? `{"text":${JSON.stringify((data as CoachEventMap['content_delta']).text)}}`
      : JSON.stringify(data);
  return `event: ${event}\ndata: ${json}\n\n`;
}

export const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx and similar proxies buffer responses unless told not to.
  'x-accel-buffering': 'no',
};

/** Headers already set on the reply (security headers, rate-limit headers, request id) are kept. */
export function openEventStream(
  raw: ServerResponse,
  headers: Record<string, OutgoingHttpHeader | undefined>,
  pingIntervalMs: number = PING_INTERVAL_S * 1000,
  writeTimeoutMs: number = DEFAULT_SSE_WRITE_TIMEOUT_MS,
): EventSink {
  raw.writeHead(200, { ...headers, ...SSE_HEADERS });
  raw.flushHeaders();
  let closed = false;
  const gone = new Promise<void>((resolve) => {
    raw.once('close', () => {
      closed = true;
      resolve();
    });
  });
  const ping = setInterval(() => {
    if (!closed && !raw.writableNeedDrain) raw.write(': ping\n\n');
  }, pingIntervalMs);
  ping.unref();
  void gone.then(() => clearInterval(ping));

  return {
    get closed() {
      return closed || raw.destroyed;
    },
    async send(event, data) {
      if (closed || raw.destroyed) return;
      const accepted = raw.write(sseFrame(event, data));
      if (accepted) return;
      let stalled: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        stalled = setTimeout(() => {
          // Destroying the socket closes the response: the stream stops as if the trader had left.
          raw.destroy();
          resolve();
        }, writeTimeoutMs);
      });
      await Promise.race([once(raw, 'drain').catch(() => undefined), gone, timeout]);
      clearTimeout(stalled);
    },
    end() {
      clearInterval(ping);
      if (!closed && !raw.destroyed) raw.end();
    },
  };
}

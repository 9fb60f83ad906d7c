// Writes server-sent events on a raw response. Events are coalesced: those sent in one event-loop turn go out in
// one write (flushed on setImmediate), so a stream costs one socket write per upstream read, not one per event.
// Backpressure is kept: when the socket's buffer is full, send() returns a promise that settles on 'drain' (and
// the caller stops pulling from upstream), so a slow reader never makes the server hold the whole answer in
// memory; while the socket keeps up, send() returns nothing and the caller need not await. A reader that stops
// reading altogether is dropped after a timeout, so it cannot hold a stream (and its trader's stream slot) open
// for ever. Comments keep proxies from closing an idle stream.
import { once } from 'node:events';
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { PING_INTERVAL_S, type CoachEventMap, type CoachEventName } from '../contract/chat.js';

export interface EventSink {
  /**
   * Queues the event for this turn's write. Returns a promise only when the client has fallen behind (await it
   * before sending more); undefined while the socket keeps up.
   */
  send<Name extends CoachEventName>(event: Name, data: CoachEventMap[Name]): Promise<void> | undefined;
  /** Writes what this turn has queued now, rather than at the turn's end. */
  flush(): void;
  /** The client went away (or the stream was ended). */
  readonly closed: boolean;
  end(): void;
}

/** How long a write may wait for the client to read before the connection is dropped (SSE_WRITE_TIMEOUT_MS). */
export const DEFAULT_SSE_WRITE_TIMEOUT_MS = 30_000;

/** Past this many queued characters the turn's events are written at once, without waiting for the turn's end. */
const FLUSH_AT_CHARS = 16 * 1024;

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
  /** The server is shutting down: the connection ends with the stream (`Connection: close`), not kept for another. */
  lastOnConnection = false,
): EventSink {
  // Not flushed on their own: the head goes out with the first event (stream_start, sent at once), one socket
  // write where there were two.
  raw.writeHead(200, { ...headers, ...SSE_HEADERS, ...(lastOnConnection ? { connection: 'close' } : {}) });
  let closed = false;
  const gone = new Promise<void>((resolve) => {
    raw.once('close', () => {
      closed = true;
      resolve();
    });
  });
  const isClosed = () => closed || raw.destroyed;

  let queued = '';
  let flushing: NodeJS.Immediate | null = null;
  const flush = (): void => {
    if (flushing !== null) clearImmediate(flushing);
    flushing = null;
    if (queued === '' || isClosed()) return;
    const text = queued;
    queued = '';
    raw.write(text);
  };
  const enqueue = (text: string): void => {
    queued += text;
    if (queued.length >= FLUSH_AT_CHARS) flush();
    else flushing ??= setImmediate(flush);
  };

  let draining: Promise<void> | null = null;
  /** Settles when the socket has drained, the client has gone, or it read nothing for writeTimeoutMs (dropped). */
  const drained = (): Promise<void> => {
    draining ??= (async () => {
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
      draining = null;
    })();
    return draining;
  };

  const ping = setInterval(() => {
    if (!isClosed() && !raw.writableNeedDrain) enqueue(': ping\n\n');
  }, pingIntervalMs);
  ping.unref();
  void gone.then(() => clearInterval(ping));

  return {
    get closed() {
      return isClosed();
    },
    flush,
    send(event, data) {
      if (isClosed()) return undefined;
      enqueue(sseFrame(event, data));
      return raw.writableNeedDrain ? drained() : undefined;
    },
    end() {
      clearInterval(ping);
      flush();
      if (!isClosed()) raw.end();
    },
  };
}

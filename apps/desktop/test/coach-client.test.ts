// The shared coach client: a recorded answer from the real server, replayed by a loopback SSE server
// split at every byte offset (mid-line, mid-UTF-8 character) gives the same events; pings are skipped;
// a stream without its final event is an error; refusals, offline and cancel are reported as such.
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoachEvent } from '@strat-coach/server/contract';
import { startTestServer, type TestServer } from '@strat-coach/server/testing';
import { createCoachClient } from '../src/shared/coach-client';
import type { HostError } from '../src/shared/host-api';

let real: TestServer;
let recorded: Buffer;
let replay: {
  url: string;
  serve: (handler: (response: ServerResponse) => Promise<void>) => void;
  close(): Promise<void>;
};

async function startReplayServer() {
  let handler: (response: ServerResponse) => Promise<void> = async (response) => {
    response.end();
  };
  const server: Server = createServer((request, response) => {
    request.resume();
    response.socket?.setNoDelay(true);
    void handler(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve: (next: typeof handler) => {
      handler = next;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sse = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

async function collect(baseUrl: string, signal?: AbortSignal) {
  const events: CoachEvent[] = [];
  const errors: HostError[] = [];
  const client = createCoachClient({ baseUrl, accessToken: async () => 'token' });
  const outcome = await client.streamChat(
    { message: 'q' },
    { onEvent: (event) => events.push(event), onError: (error) => errors.push(error) },
    signal,
  );
  return { outcome, events, errors };
}

beforeAll(async () => {
  real = await startTestServer({ fakeUpstream: true });
  real.fake!.script({ chunks: ['A **2-1-2** — ', 'größer als 3 €', ' 📈 done'], ping: true });
  const issuer = real.app.localIssuer!;
  const token = await issuer.mintAccessToken({ subject: 'user_local', clientId: 'strat-coach-desktop', scope: '' });
  const response = await fetch(`${real.url}/api/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ message: 'Is this a 2-1-2?' }),
  });
  recorded = Buffer.from(await response.arrayBuffer());
  replay = await startReplayServer();
});
afterAll(async () => {
  await replay.close();
  await real.close();
});

describe('a recorded answer', () => {
  it('reads into the contract’s events, in order', async () => {
    replay.serve(async (response) => {
      response.writeHead(200, sse);
      response.end(recorded);
    });
    const { outcome, events } = await collect(replay.url);
    expect(outcome).toBe('completed');
    expect(events.map((event) => event.event)).toEqual([
      'stream_start',
      'message_start',
      'coach_status',
      'coach_status',
      'content_delta',
      'content_delta',
      'content_delta',
      'stream_complete',
    ]);
    const text = events.map((event) => (event.event === 'content_delta' ? event.data.text : '')).join('');
    expect(text).toBe('A **2-1-2** — größer als 3 € 📈 done');
  });

  it('gives the same events whatever byte the stream is split at', async () => {
    replay.serve(async (response) => {
      response.writeHead(200, sse);
      response.end(recorded);
    });
    const whole = (await collect(replay.url)).events;
    for (let offset = 1; offset < recorded.length; offset += 1) {
      replay.serve(async (response) => {
        response.writeHead(200, sse);
        response.write(recorded.subarray(0, offset));
        await pause();
        response.end(recorded.subarray(offset));
      });
      const split = await collect(replay.url);
      expect(split.outcome, `split at byte ${offset}`).toBe('completed');
      expect(split.events, `split at byte ${offset}`).toEqual(whole);
    }
  }, 120_000);

  it('survives one byte at a time, with ping comments in between', async () => {
    replay.serve(async (response) => {
      response.writeHead(200, sse);
      response.write(': ping\n\n');
      let previous = 0;
      for (const byte of recorded) {
        response.write(Buffer.from([byte]));
        // Between two events (a blank line), a keep-alive comment as the server sends every 15 s.
        if (byte === 0x0a && previous === 0x0a) response.write(': ping\n\n');
        previous = byte;
      }
      response.end();
    });
    const { outcome, events } = await collect(replay.url);
    expect(outcome).toBe('completed');
    expect(events.at(-1)?.event).toBe('stream_complete');
  });
});

describe('a stream that goes wrong', () => {
  it('ending without its final event is reported as an error, never as success', async () => {
    const cut = recorded.subarray(0, recorded.indexOf('event: stream_complete'));
    replay.serve(async (response) => {
      response.writeHead(200, sse);
      response.end(cut);
    });
    const { outcome, events } = await collect(replay.url);
    expect(outcome).toBe('failed');
    expect(events.at(-1)).toEqual({
      event: 'stream_error',
      data: { code: 'stream_incomplete', message: expect.any(String), retryable: true },
    });
  });

  it('a refusal before the stream arrives as onError with the contract’s code and wait', async () => {
    replay.serve(async (response) => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '42' });
      response.end(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down', window: 'minute' } }));
    });
    const { outcome, errors } = await collect(replay.url);
    expect(outcome).toBe('refused');
    expect(errors).toEqual([
      { code: 'rate_limited', message: 'Slow down', status: 429, retryAfterMs: 42_000, details: { window: 'minute' } },
    ]);
  });

  it('a server that is not there is offline', async () => {
    const { outcome, errors } = await collect('http://127.0.0.1:9');
    expect(outcome).toBe('refused');
    expect(errors[0]?.code).toBe('offline');
  });

  it('cancelling stops reading and closes the connection', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    replay.serve(async (response) => {
      closed = once(response, 'close');
      response.writeHead(200, sse);
      response.write(recorded.subarray(0, recorded.indexOf('event: content_delta')));
    });
    const controller = new AbortController();
    const events: CoachEvent[] = [];
    const client = createCoachClient({ baseUrl: replay.url, accessToken: async () => null });
    const done = client.streamChat(
      { message: 'q' },
      {
        onEvent: (event) => {
          events.push(event);
          if (event.event === 'message_start') controller.abort();
        },
        onError: () => undefined,
      },
      controller.signal,
    );
    expect(await done).toBe('cancelled');
    await closed;
    expect(events.map((event) => event.event)).toEqual(['stream_start', 'message_start']);
  });
});

describe('JSON calls', () => {
  it('read the real server with the bearer token, and map its errors', async () => {
    const token = await real.app.localIssuer!.mintAccessToken({
      subject: 'user_local',
      clientId: 'strat-coach-desktop',
      scope: '',
    });
    const signedIn = createCoachClient({ baseUrl: real.url, accessToken: async () => token });
    const usage = await signedIn.get<{ tier: string }>('/usage/current');
    expect(usage).toMatchObject({ ok: true, value: { tier: 'free' } });
    const signedOut = createCoachClient({ baseUrl: real.url, accessToken: async () => null });
    expect(await signedOut.get('/usage/current')).toEqual({
      ok: false,
      error: { code: 'token_missing', message: expect.any(String), status: 401 },
    });
  });
});

// The model's fetch (coach-fetch.ts) through the real Anthropic SDK, against the fake upstream on loopback:
// answers stream whole, questions reuse one kept-alive connection (let go a second before the API's Keep-Alive
// timeout, and a question sent as the API closed it goes again on a new one), a stopped answer closes its connection,
// the API's refusals and an unreachable API keep the stream error codes the trader sees, and the SDK's own warnings
// go to the JSON log.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCoachFetch, type CoachFetch } from '../src/services/coach-fetch.js';
import {
  classifyUpstreamError,
  createCoachUpstream,
  type CoachRequest,
  type UpstreamEvent,
} from '../src/services/coach-upstream.js';
import { eventually } from './support/eventually.js';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic.js';

const question: CoachRequest = {
  model: 'claude-sonnet-5-5',
  maxTokens: 1_024,
  thinking: undefined,
  effort: undefined,
  system: 'You coach traders who use The Strat.',
  messages: [{ role: 'user', content: 'Is this a 2-1-2 up?' }],
  userId: 'user-1',
};

const textOf = async (events: AsyncIterable<UpstreamEvent>): Promise<string> => {
  let text = '';
  for await (const event of events) if (event.type === 'text') text += event.text;
  return text;
};

/** The count_tokens APIs a test opened, closed after it. */
const openApis = new Set<() => void>();

/**
 * A count_tokens API on loopback answering `inputTokens`; it keeps each request's body and client port. With
 * `closeKept`, it closes a kept connection as the next request arrives on it, unanswered (as an API whose idle timeout
 * ends as the request is sent); with `closeAll`, it closes every connection so.
 */
async function countTokensApi(
  inputTokens: number,
  options: { keepAliveTimeoutMs?: number; closeKept?: boolean; closeAll?: boolean } = {},
) {
  const requests: { port: number; body: Buffer }[] = [];
  const closed: number[] = [];
  const answeredOn = new WeakSet<object>();
  const server = http.createServer((request, response) => {
    if (options.closeAll || (options.closeKept && answeredOn.has(request.socket))) {
      closed.push(request.socket.remotePort ?? 0);
      request.socket.resetAndDestroy();
      return;
    }
    answeredOn.add(request.socket);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => {
      requests.push({ port: request.socket.remotePort ?? 0, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ input_tokens: inputTokens }));
    });
  });
  if (options.keepAliveTimeoutMs !== undefined) {
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    // Node adds a second to the advertised timeout before it closes; this API closes when it says it does.
    (server as http.Server & { keepAliveTimeoutBuffer: number }).keepAliveTimeoutBuffer = 0;
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  openApis.add(() => server.close());
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** The client ports of the connections closed under a request. */
    closed,
  };
}

describe('the model’s fetch', () => {
  let fake: FakeAnthropic;
  let coachFetch: CoachFetch;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterEach(() => {
    coachFetch?.close();
    for (const close of openApis) close();
    openApis.clear();
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** Asks the count_tokens API for the question's tokens. */
  const count = (ask: ReturnType<typeof upstream>) => ask.countTokens(question, new AbortController().signal);

  const upstream = (baseUrl = fake.url) => {
    coachFetch = createCoachFetch();
    return createCoachUpstream({ apiKey: 'sk-ant-test', baseUrl, maxRetries: 0, fetch: coachFetch.fetch });
  };

  it('streams the answer whole, as the SDK reads it', async () => {
    const ask = upstream();
    fake.script({ chunks: ['Inside bar, ', 'then ', '2U.'] });
    expect(await textOf(ask(question, new AbortController().signal))).toBe('Inside bar, then 2U.');
    expect(fake.requests.at(-1)!.body.system).toEqual([
      { type: 'text', text: question.system, cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('puts the SDK’s warnings about a deprecated model in the JSON log once, not on stderr per question', async () => {
    const lines: { level: number; msg: string; sdkWarning?: string }[] = [];
    const log = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
    }).log;
    coachFetch = createCoachFetch();
    const ask = createCoachUpstream({
      apiKey: 'sk-ant-test',
      baseUrl: fake.url,
      maxRetries: 0,
      fetch: coachFetch.fetch,
      log,
    });
    const stderr = vi.spyOn(console, 'warn');
    try {
      for (let asked = 0; asked < 3; asked += 1) {
        fake.script({ chunks: ['2U.'] });
        expect(await textOf(ask({ ...question, model: 'claude-opus-4-5' }, new AbortController().signal))).toBe('2U.');
      }
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
    expect(console.warn).not.toBe(stderr);
    const warnings = lines.filter((line) => line.msg === 'the Anthropic SDK warns');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40 });
    expect(warnings[0]!.sdkWarning).toContain("The model 'claude-opus-4-5' is deprecated");
  });

  it('sends the request in plain ASCII, whatever its text holds, and the API reads the same text', async () => {
    // One dash or curly quote anywhere made the whole body (a question's charts included) a two-byte string.
    const messages: CoachRequest['messages'] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Chart 1 of 1 — SPY’s 5m 📈' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'Is this a 2-1-2 up? It’s “inside” now.' },
        ],
      },
      { role: 'assistant', content: 'The 1 held — wait for the break.' },
      { role: 'user', content: 'And the target? ✓' },
    ];
    const api = await countTokensApi(40);
    const counting = upstream(api.url);
    expect(await counting.countTokens({ model: question.model, messages }, new AbortController().signal)).toBe(40);
    coachFetch.close();
    const [sent] = api.requests.map((request) => request.body);
    expect(sent!.every((byte) => byte < 0x80)).toBe(true);
    expect((JSON.parse(sent!.toString('utf8')) as { messages: unknown }).messages).toEqual(messages);

    // The same on the answer's request, the coaching prompt included.
    const ask = upstream();
    fake.script({ chunks: ['2U.'] });
    const system = 'You coach traders who use The Strat — numbers first.';
    await textOf(ask({ ...question, system, messages }, new AbortController().signal));
    const received = fake.requests.at(-1)!.body;
    expect(received.messages).toEqual(messages);
    expect(received.system).toEqual([{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }]);
  });

  it('asks one question after another over one kept-alive connection', async () => {
    const api = await countTokensApi(12);
    const ask = upstream(api.url);
    for (let turn = 0; turn < 3; turn += 1) {
      expect(await count(ask)).toBe(12);
    }
    const ports = api.requests.map((request) => request.port);
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
  });

  it('a question sent on a kept connection just as the API closes it is sent again at once, on a new one', async () => {
    const api = await countTokensApi(12, { closeKept: true });
    // maxRetries 0: no retry of the SDK's.
    const ask = upstream(api.url);
    expect(await count(ask)).toBe(12);
    expect(await count(ask)).toBe(12);
    const [first, second] = api.requests.map((request) => request.port);
    expect(api.closed).toEqual([first]);
    expect(second).not.toBe(first);
  });

  it('a new connection closed under the question is not sent again: its stream error stands', async () => {
    const api = await countTokensApi(12, { closeAll: true });
    const failure = await upstream(api.url)
      .countTokens(question, new AbortController().signal)
      .then(
        () => null,
        (error: unknown) => classifyUpstreamError(error),
      );
    expect(failure).toMatchObject({ code: 'upstream_error', retryable: true });
    expect(api.closed).toHaveLength(1);
  });

  it('lets an idle connection go a second before the API’s Keep-Alive timeout, not as the API closes it', async () => {
    // The API says timeout=2 and closes at 2 s: at 1.3 s the connection has been let go, and a new one is opened.
    const api = await countTokensApi(12, { keepAliveTimeoutMs: 2_000 });
    const ask = upstream(api.url);
    expect(await count(ask)).toBe(12);
    expect(await count(ask)).toBe(12);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(await count(ask)).toBe(12);
    const [first, second, third] = api.requests.map((request) => request.port);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
  });

  it('a stopped answer closes its connection: the API sees the client go', async () => {
    const ask = upstream();
    fake.script({ chunks: ['One ', 'two ', 'three.'], chunkDelayMs: 300 });
    const stop = new AbortController();
    const events = ask(question, stop.signal);
    const read = (async () => {
      for await (const event of events) if (event.type === 'text') stop.abort(new Error('stopped: client'));
    })();
    await expect(read).rejects.toThrow();
    const call = fake.requests.at(-1)!;
    await eventually(() => (call.disconnected ? true : undefined), 5_000, 'the fake to see the client go');
    expect(call.chunksSent).toBeLessThan(3);
  });

  it('keeps the stream error codes: a refused request, an overloaded API, an API that cannot be reached', async () => {
    const failure = async (baseUrl?: string) => {
      try {
        await textOf(upstream(baseUrl)(question, new AbortController().signal));
      } catch (error) {
        return classifyUpstreamError(error);
      }
      throw new Error('the call did not fail');
    };
    fake.script({ failBeforeStream: { status: 400 } });
    expect(await failure()).toMatchObject({ code: 'upstream_rejected', retryable: false });
    fake.script({ failBeforeStream: { status: 529, retryAfter: '3' } });
    expect(await failure()).toMatchObject({ code: 'upstream_overloaded', retryable: true, retryAfterMs: 3_000 });
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await failure(`http://127.0.0.1:${port}`)).toMatchObject({ code: 'upstream_error', retryable: true });
  });
});

/** An Anthropic Messages stream written by hand: a ping between events, and `tail` before the end. */
const answerStream = (text: string, tail = 'event: message_stop\ndata: {"type":"message_stop"}\n\n') =>
  [
    'event: message_start',
    `data: ${JSON.stringify({
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-5-5',
        content: [],
        usage: { input_tokens: 12, output_tokens: 1 },
      },
    })}`,
    '',
    'event: ping',
    'data: {"type": "ping"}',
    '',
    'event: content_block_start',
    'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
    '',
    'event: content_block_delta',
    `data: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}`,
    '',
    '',
  ].join('\n') + tail;

/** Serves `body` as an event stream, `pieceBytes` bytes per write, a millisecond apart. */
async function trickleApi(body: string, pieceBytes: number) {
  const bytes = Buffer.from(body);
  const server = http.createServer((_request, response) => {
    _request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let offset = 0;
    const next = () => {
      if (offset >= bytes.length) return response.end();
      response.write(bytes.subarray(offset, (offset += pieceBytes)));
      setTimeout(next, 1);
    };
    next();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('reading the answer’s events', () => {
  // The answer is parsed from the socket's bytes as they come (coach-upstream.ts), or from the web stream of a
  // response another fetch returned: both must read what the SDK's own stream reads.
  const fetches = { 'the model’s fetch': () => createCoachFetch(), 'the global fetch': () => null };

  it.each(Object.keys(fetches) as (keyof typeof fetches)[])(
    'through %s: any split of the bytes, a character cut in two, a ping between events',
    async (name) => {
      const text = 'Inside bar 📈 — then 2U, café';
      // Three bytes a write: the emoji's four bytes and the dash's three are cut across writes.
      const api = await trickleApi(answerStream(text), 3);
      const coachFetch = fetches[name]();
      try {
        const ask = createCoachUpstream({
          apiKey: 'sk-ant-test',
          baseUrl: api.url,
          maxRetries: 0,
          ...(coachFetch ? { fetch: coachFetch.fetch } : {}),
        });
        const events: UpstreamEvent[] = [];
        for await (const event of ask(question, new AbortController().signal)) events.push(event);
        expect(events).toEqual([
          {
            type: 'start',
            model: 'claude-sonnet-5-5',
            usage: { inputTokens: 12, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
          },
          { type: 'block', kind: 'text' },
          { type: 'text', text },
          { type: 'stop' },
        ]);
      } finally {
        coachFetch?.close();
        api.close();
      }
    },
  );

  it('an error event mid-answer is thrown as the SDK throws it: the text before it arrives, then its stream error', async () => {
    const overloaded = JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const api = await trickleApi(answerStream('The 1 held', `event: error\ndata: ${overloaded}\n\n`), 64);
    const coachFetch = createCoachFetch();
    try {
      const ask = createCoachUpstream({
        apiKey: 'sk-ant-test',
        baseUrl: api.url,
        maxRetries: 0,
        fetch: coachFetch.fetch,
      });
      let text = '';
      const failure = await (async () => {
        for await (const event of ask(question, new AbortController().signal))
          if (event.type === 'text') text += event.text;
      })().catch((error: unknown) => error);
      expect(text).toBe('The 1 held');
      expect(failure).toMatchObject({ status: undefined, type: 'overloaded_error' });
      expect(classifyUpstreamError(failure)).toMatchObject({ code: 'upstream_overloaded', retryable: true });
    } finally {
      coachFetch.close();
      api.close();
    }
  });
});

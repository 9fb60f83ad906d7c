// The fake Anthropic upstream, driven by the real SDK: if the SDK reads it as the API, the coach service's tests
// against it mean something. Also checks that the coaching texts are long enough to be prompt-cached.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import Anthropic, { APIError, APIUserAbortError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic.js';
import { pngOfSize } from './support/png.js';

// The protocol's mechanics on a model that does not think unless asked (Sonnet 4.6); thinking is tested below.
const MODEL = 'claude-sonnet-4-6';
const CHUNKS = ['## Read', ' of the chart\n\n', 'Bar 3 is a **2U**', ' after a 1: ', 'a 2-1-2 continuation.'];
const USAGE = { inputTokens: 1200, cacheCreationInputTokens: 0, cacheReadInputTokens: 2048, outputTokens: 87 };

const ask = (overrides: Partial<MessageCreateParamsNonStreaming> = {}): MessageCreateParamsNonStreaming => ({
  model: MODEL,
  max_tokens: 512,
  messages: [{ role: 'user', content: 'Is this a 2-1-2?' }],
  ...overrides,
});

/** Collects the raw events of a `create({ stream: true })` call. */
async function rawEvents(stream: AsyncIterable<RawMessageStreamEvent>): Promise<RawMessageStreamEvent[]> {
  const events: RawMessageStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('fake Anthropic upstream through the real SDK', () => {
  let fake: FakeAnthropic;
  const client = (options: { maxRetries?: number; timeout?: number } = {}): Anthropic =>
    new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, ...options });

  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('streams the scripted text in order and reports the usage of message_delta', async () => {
    fake.script({ chunks: CHUNKS, usage: USAGE });
    const stream = client().messages.stream(ask({ metadata: { user_id: 'user_42' }, system: 'You coach.' }));
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();

    expect(texts).toEqual(CHUNKS);
    expect(final.content).toEqual([{ type: 'text', text: CHUNKS.join(''), citations: null }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.model).toBe(MODEL);
    expect(final.usage).toMatchObject({
      input_tokens: 1200,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 2048,
      output_tokens: 87,
    });
    const [request] = fake.requests;
    expect(request).toMatchObject({
      stream: true,
      outcome: 'completed',
      chunksSent: CHUNKS.length,
      disconnected: false,
    });
    expect(request?.body).toMatchObject({ model: MODEL, max_tokens: 512, system: 'You coach.' });
    expect(request?.body.metadata).toEqual({ user_id: 'user_42' });
    // SDK 1.x sends the API key as a bearer token (the API takes x-api-key too).
    expect(request?.headers.authorization).toBe('Bearer test');
    expect(request?.headers['anthropic-version']).toBeTruthy();
  });

  it('speaks the documented event order, with a placeholder output count in message_start', async () => {
    fake.script({ chunks: ['one', ' two'], usage: USAGE });
    const events = await rawEvents(await client().messages.create({ ...ask(), stream: true }));

    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const [start] = events;
    expect(start?.type === 'message_start' && start.message.usage.output_tokens).toBe(1);
    expect(start?.type === 'message_start' && start.message.content).toEqual([]);
    const delta = events.find((event) => event.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.usage.output_tokens).toBe(87);
  });

  it('answers stream: false with a whole Message', async () => {
    fake.script({ chunks: CHUNKS, usage: USAGE });
    const answer = await client().messages.create(ask());
    expect(answer.content).toEqual([{ type: 'text', text: CHUNKS.join(''), citations: null }]);
    expect(answer.usage.output_tokens).toBe(87);
    expect(fake.requests[0]?.stream).toBe(false);
  });

  it('sends pings and unknown event types that the SDK tolerates', async () => {
    fake.script({ chunks: CHUNKS, ping: true, unknownEvents: true });
    expect(await client().messages.stream(ask()).finalText()).toBe(CHUNKS.join(''));

    fake.script({ chunks: CHUNKS, ping: true, unknownEvents: true });
    const events = await rawEvents(await client().messages.create({ ...ask(), stream: true }));
    const types: string[] = events.map((event) => event.type);
    // The SDK drops pings but hands unknown events on: a consumer's switch must ignore types it does not know.
    expect(types).not.toContain('ping');
    expect(types).toContain('fake_future_event');
  });

  it('fails before the stream with the status, error body and request id the SDK turns into APIError', async () => {
    fake.script({ failBeforeStream: { status: 529, retryAfter: '3' } });
    const failure: unknown = await client()
      .messages.stream(ask())
      .finalMessage()
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OverloadedError);
    expect(failure).toMatchObject({ status: 529, type: 'overloaded_error', requestID: fake.requests[0]?.requestId });
    expect((failure as APIError).headers?.get('retry-after')).toBe('3');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ status: 529, outcome: 'failed_before_stream', usage: null });
  });

  it('lets the SDK retry 429 / 529 by the retry headers, then stream', async () => {
    fake.script(
      { failBeforeStream: { status: 529, retryAfterMs: 10 } },
      { failBeforeStream: { status: 429, retryAfterMs: 10 } },
      { chunks: CHUNKS },
    );
    const text = await client({ maxRetries: 2 }).messages.stream(ask()).finalText();

    expect(text).toBe(CHUNKS.join(''));
    expect(fake.requests.map((request) => request.status)).toEqual([529, 429, 200]);
    expect(fake.requests.map((request) => request.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
  });

  it('surfaces the last failure once the retries are spent', async () => {
    const limited = { failBeforeStream: { status: 429, retryAfterMs: 5 } };
    fake.script(limited, limited, limited);
    const failure: unknown = await client({ maxRetries: 2 })
      .messages.create(ask())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(fake.requests).toHaveLength(3);
  });

  it('fails mid-stream with an overloaded error event that the SDK stream throws', async () => {
    fake.script({ chunks: CHUNKS, usage: USAGE, failMidStream: { afterChunks: 2 } });
    const stream = client({ maxRetries: 2 }).messages.stream(ask());
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const failure: unknown = await stream.finalMessage().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(APIError);
    expect(failure).toMatchObject({ status: undefined, type: 'overloaded_error' });
    expect(texts).toEqual(CHUNKS.slice(0, 2));
    // The snapshot keeps message_start's counts, so a failed call can still be billed for its input.
    expect(stream.currentMessage?.usage.input_tokens).toBe(1200);
    expect(fake.requests).toHaveLength(1); // errors after HTTP 200 are never retried
    expect(fake.requests[0]).toMatchObject({ outcome: 'failed_mid_stream', finalUsageSent: false, chunksSent: 2 });
  });

  it('records an aborted MessageStream as a client disconnect', async () => {
    fake.script({ chunks: CHUNKS, usage: USAGE, stallAfterChunks: 2 });
    const stream = client().messages.stream(ask());
    // Wait on the client side: the fake having written two deltas does not mean the SDK has read them.
    await new Promise<void>((resolve) =>
      stream.on('text', (_text, snapshot) => snapshot === CHUNKS.slice(0, 2).join('') && resolve()),
    );
    expect(fake.openStreams).toBe(1);
    const abortedAt = performance.now();
    stream.abort();

    const failure: unknown = await stream.finalMessage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(APIUserAbortError);
    expect(stream.aborted).toBe(true);
    // What was delivered stays readable: message_start's input counts and a placeholder output count.
    expect(stream.currentMessage?.usage).toMatchObject({ input_tokens: 1200, output_tokens: 1 });
    await fake.waitForDisconnect(0, 1_000);
    const [request] = fake.requests;
    expect(request).toMatchObject({ disconnected: true, outcome: 'client_disconnected', chunksSent: 2 });
    expect((request?.disconnectedAt ?? Infinity) - abortedAt).toBeLessThan(1_000);
    await fake.waitForEnd(0);
    expect(fake.openStreams).toBe(0);
  });

  it('records an AbortSignal on create({ stream: true }) as a client disconnect', async () => {
    fake.script({ chunks: CHUNKS, stallAfterChunks: 1 });
    const controller = new AbortController();
    const stream = await client().messages.create({ ...ask(), stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event.type);
        if (event.type === 'content_block_delta') controller.abort();
      }
    })();
    // Aborting ends the SDK's iteration quietly, without an error.
    await expect(reading).resolves.toBeUndefined();
    expect(await fake.waitForDisconnect(0, 1_000)).toBeLessThan(1_000);
    expect(seen).toContain('content_block_delta');
  });

  it('holds a stalled stream open past the SDK timeout, which only covers the wait for headers', async () => {
    fake.script({ chunks: CHUNKS, stallAfterChunks: 1 });
    const stream = client({ timeout: 100 }).messages.stream(ask());
    let settled = false;
    const result = stream.done().then(
      () => (settled = true),
      () => (settled = true),
    );
    await fake.waitForChunks(0, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    stream.abort();
    await result;
    await fake.waitForDisconnect(0, 1_000);
  });

  it('waits before the headers and between chunks as scripted', async () => {
    fake.script({ chunks: ['a', 'b', 'c'], headersDelayMs: 80, chunkDelayMs: 20 });
    const startedAt = performance.now();
    const stream = client().messages.stream(ask());
    const connected = new Promise<number>((resolve) => stream.on('connect', () => resolve(performance.now())));
    await stream.done();
    expect((await connected) - startedAt).toBeGreaterThanOrEqual(75);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(75 + 3 * 18);
  });

  it('counts concurrent open streams', async () => {
    fake.setDefault({ stallAfterChunks: 1 });
    const streams = [0, 1, 2].map(() => client().messages.stream(ask()));
    await Promise.all([0, 1, 2].map((index) => fake.waitForChunks(index, 1)));
    expect(fake.openStreams).toBe(3);
    streams.forEach((stream) => stream.abort());
    await Promise.all(streams.map((stream) => stream.done().catch(() => undefined)));
    await Promise.all([0, 1, 2].map((index) => fake.waitForEnd(index)));
    expect(fake.openStreams).toBe(0);
    expect(fake.peakOpenStreams).toBe(3);
  });

  it('writes a cache_control system prompt on the first request and reads it on the next', async () => {
    const system = [
      {
        type: 'text' as const,
        text: 'You are a Strat coach. '.repeat(200),
        cache_control: { type: 'ephemeral' as const },
      },
    ];
    const first = await client().messages.stream(ask({ system })).finalMessage();
    const second = await client().messages.stream(ask({ system })).finalMessage();
    const plain = await client()
      .messages.stream(ask({ system: 'You are a Strat coach.' }))
      .finalMessage();

    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1_000);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    expect(plain.usage.cache_read_input_tokens).toBe(0);
    expect(fake.requests.map((request) => request.cache)).toEqual(['write', 'read', 'none']);
  });

  it('refuses a request without an API key or a required field, like the API', async () => {
    const post = (headers: Record<string, string>, body: unknown): Promise<Response> =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const keyless = await post({}, ask());
    expect(keyless.status).toBe(401);
    expect(await keyless.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const incomplete = await post({ 'x-api-key': 'test' }, { model: MODEL, messages: ask().messages });
    expect(incomplete.status).toBe(400);
    expect(await incomplete.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(fake.requests).toHaveLength(0);
    expect(fake.rejected.map((rejection) => rejection.status)).toEqual([401, 400]);
  });

  it('refuses what the API refuses in the content: whitespace-only text, an image past 5 MB of base64 or 8,000 px', async () => {
    const refusal = async (content: unknown[]): Promise<string> => {
      const error = await client()
        .messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: content as never }] })
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      return (error as InstanceType<typeof Anthropic.BadRequestError>).message;
    };
    const image = (data: Buffer) => ({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: data.toString('base64') },
    });
    expect(await refusal([{ type: 'text', text: ' \n' }])).toContain(
      'text content blocks must contain non-whitespace text',
    );
    const big = Buffer.alloc(4 * 1024 * 1024); // 4 MiB of bytes: 5.3 MB of base64
    pngOfSize(10, 10).copy(big);
    expect(await refusal([image(big), { type: 'text', text: 'Read it.' }])).toContain(
      'messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: 5592408 bytes > 5242880 bytes',
    );
    expect(await refusal([image(pngOfSize(8_001, 10)), { type: 'text', text: 'Read it.' }])).toContain(
      'At least one of the image dimensions exceed max allowed size: 8000 pixels',
    );
    expect(fake.requests).toHaveLength(0);
  });
});

describe('a fake that keeps the bodies of its first requests only (keptBodies, for benchmarks)', () => {
  it('drops the bodies past that many once answered, and answers them all alike', async () => {
    const fake = await startFakeAnthropic({ keptBodies: 1, defaultScript: { chunks: CHUNKS } });
    try {
      const client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
      const texts: string[] = [];
      for (const question of ['first?', 'second?']) {
        const final = await client.messages.create(ask({ messages: [{ role: 'user', content: question }] }));
        texts.push(final.content.map((block) => (block.type === 'text' ? block.text : '')).join(''));
      }
      expect(texts).toEqual([CHUNKS.join(''), CHUNKS.join('')]);
      await fake.waitForEnd(1);
      expect(fake.requests[0]?.body.messages).toEqual([{ role: 'user', content: 'first?' }]);
      expect(fake.requests[1]?.body).toEqual({ model: MODEL, max_tokens: 512, messages: [] });
      expect(fake.requests[1]?.outcome).toBe('completed');
    } finally {
      await fake.close();
    }
  });
});

describe('the coaching texts', () => {
  it('are long enough for the API to cache them (Sonnet caches prefixes from 1,024 tokens)', async () => {
    const fake = await startFakeAnthropic({ minCacheableTokens: 1_024 });
    try {
      const read = (name: string): Promise<string> =>
        readFile(new URL(`../../coaching/${name}`, import.meta.url), 'utf8');
      const text = [await read('system-prompt.md'), await read('guardrails.md')].join('\n\n');
      const system = [{ type: 'text' as const, text, cache_control: { type: 'ephemeral' as const } }];
      const client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
      await client.messages.create(ask({ system }));
      const second = await client.messages.create(ask({ system }));

      expect(second.usage.cache_read_input_tokens).toBeGreaterThanOrEqual(1_024);
      expect(second.usage.cache_read_input_tokens).toBeLessThan(4_500);
    } finally {
      await fake.close();
    }
  });
});

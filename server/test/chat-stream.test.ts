// POST /chat/stream through the real SDK and the fake upstream: the answer arrives in order, usage and
// cost are exact, the prompt is cached, images are checked, history is loaded in order and bounded.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES } from '../src/contract/chat.js';
import { modelSpec, priceRowAt } from '../src/config/models.js';
import { costUsd } from '../src/config/pricing.js';
import { loadCoachingPrompt } from '../src/services/coaching-prompt.js';
import { startChatHarness, usageRow, type ChatHarness } from './support/chat-harness.js';
import { sentText } from './support/upstream-request.js';
import { jpegHeader, pngOfSize } from './support/png.js';

const COACHING_VERSION = (
  JSON.parse(readFileSync(new URL('../../coaching/version.json', import.meta.url), 'utf8')) as { version: string }
).version;

let h: ChatHarness;
beforeAll(async () => {
  h = await startChatHarness();
});
afterAll(async () => {
  await h.close();
});

describe('a coaching answer', () => {
  it('streams the upstream text in order, then stream_complete with the exact usage and cost', async () => {
    const { headers } = await h.trader();
    const chunks = ['The bar ', 'after the 1 ', 'took out its high: ', 'a **2-1-2 up**.'];
    const usage = { inputTokens: 1_234, outputTokens: 56, cacheCreationInputTokens: 0, cacheReadInputTokens: 2_000 };
    h.fake.script({ chunks, usage, ping: true, unknownEvents: true });
    const result = await h.chat(headers, { message: 'Is this a 2-1-2?' });

    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(result.headers.get('x-ratelimit-limit')).toBe('10');
    expect(result.events.map((event) => event.event)).toEqual([
      'stream_start',
      'message_start',
      'coach_status',
      'coach_status',
      ...chunks.map(() => 'content_delta'),
      'stream_complete',
    ]);
    expect(result.events.filter((event) => event.event === 'coach_status').map((event) => event.data)).toEqual([
      { state: 'thinking' },
      { state: 'writing' },
    ]);
    expect(result.text()).toBe(chunks.join(''));
    const start = result.events[0]!.data;
    expect(start).toEqual({
      requestId: expect.any(String),
      conversationId: expect.any(String),
      messageId: expect.any(String),
      questionId: expect.any(String),
      model: 'claude-sonnet-5-5',
      coachingVersion: COACHING_VERSION,
    });
    const complete = result.events.at(-1)!.data;
    const expectedCost = costUsd(priceRowAt(modelSpec('claude-sonnet-5-5')!, new Date()), {
      inputTokens: 1_234,
      outputTokens: 56,
      cacheReadTokens: 2_000,
      cacheWriteTokens: 0,
    });
    expect(complete).toEqual({
      usage: { inputTokens: 1_234, outputTokens: 56, cacheCreationInputTokens: 0, cacheReadInputTokens: 2_000 },
      costUsd: expectedCost,
      latencyMs: expect.any(Number),
      ttftMs: expect.any(Number),
      stopReason: 'end_turn',
      quota: { limit: 100_000, used: 1_290, remaining: 98_710, percent: 1.3 },
    });

    const row = await usageRow(h, String(start.requestId));
    expect(row).toMatchObject({
      status: 'ok',
      error_code: null,
      input_tokens: 1_234,
      output_tokens: 56,
      cache_read_tokens: 2_000,
      cache_write_tokens: 0,
      conversation_id: start.conversationId,
    });
    expect(Number(row!.cost_usd)).toBe(expectedCost);

    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(start.conversationId)}/messages`,
      headers,
    });
    expect(messages.json().items).toEqual([
      expect.objectContaining({ role: 'user', content: 'Is this a 2-1-2?' }),
      expect.objectContaining({ id: start.messageId, role: 'assistant', content: chunks.join('') }),
    ]);
    const list = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers });
    expect(list.json().items[0].title).toBe('Is this a 2-1-2?');
  });

  it('says in Server-Timing where the time before the stream went: a question waiting to be stored shows in store', async () => {
    const { user, headers } = await h.trader();
    // Another statement holds the trader's row (as a concurrent reservation would) for 300 ms.
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = h.database.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      locked();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await isLocked;
    const result = await h.chat(headers, { message: 'Is this a 2-1-2?' });
    await holder;
    expect(result.status).toBe(200);
    const timing = result.headers.get('server-timing') ?? '';
    expect(timing).toMatch(/^auth;dur=[\d.]+, read;dur=[\d.]+, admit;dur=[\d.]+, store;dur=[\d.]+$/);
    const dur = Object.fromEntries(
      timing.split(', ').map((metric) => [metric.split(';')[0], Number(metric.split('dur=')[1])]),
    );
    expect(dur.store).toBeGreaterThanOrEqual(250);
    expect(dur.auth).toBeLessThan(250);
    expect(dur.admit).toBeLessThan(250);
  });

  it('sends the methodology as a cached system prompt; the second request reads it from cache', async () => {
    const { headers } = await h.trader();
    h.fake.reset();
    const first = await h.chat(headers, { message: 'First question' });
    const second = await h.chat(headers, { message: 'Second question' });
    const sent = h.fake.requests[0]!.body;
    expect(sent.system).toEqual([expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } })]);
    expect(JSON.stringify(sent.system)).toMatch(/timeframe continuity/i);
    // Word for word, its dashes and all, in both requests (the server serializes it once).
    const { text } = await loadCoachingPrompt();
    expect(text).toMatch(/[\u2013\u2014]/);
    for (const request of h.fake.requests) expect((request.body.system as { text: string }[])[0]!.text).toBe(text);
    const firstRow = await usageRow(h, String(first.events[0]!.data.requestId));
    const secondRow = await usageRow(h, String(second.events[0]!.data.requestId));
    // The first request writes the system prompt and its question; a new conversation reads the system prompt.
    expect(firstRow!.cache_write_tokens).toBeGreaterThan(1_024);
    expect(secondRow!.cache_read_tokens).toBeGreaterThan(1_024);
    expect(firstRow!.cache_write_tokens - secondRow!.cache_read_tokens).toBeLessThan(50);
    const usage = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
    expect(usage.json().cache.hitRate).toBeGreaterThan(0);
  });

  it('continues a conversation with its earlier turns, in order', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['First answer.'] }, { chunks: ['Second answer.'] });
    const first = await h.chat(headers, { message: 'Question one' });
    const conversationId = String(first.events[0]!.data.conversationId);
    const index = h.fake.requests.length;
    const second = await h.chat(headers, { message: 'Question two', conversationId });
    expect(second.events[0]!.data.conversationId).toBe(conversationId);
    expect(sentText(h.fake.requests[index]!.body.messages)).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Question two'],
    ]);
  });

  it('a retry of an unanswered question is neither stored nor sent twice', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['First answer.'] }, { failBeforeStream: { status: 400 } }, { chunks: ['Second answer.'] });
    const first = await h.chat(headers, { message: 'Question one' });
    const conversationId = String(first.events[0]!.data.conversationId);
    const failed = await h.chat(headers, { message: 'Question two', conversationId });
    expect(failed.events.at(-1)?.event).toBe('stream_error');
    const index = h.fake.requests.length;
    await h.chat(headers, { message: 'Question two', conversationId });
    expect(sentText(h.fake.requests[index]!.body.messages)).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Question two'],
    ]);
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/messages`,
      headers,
    });
    expect(messages.json().items.map((item: { content: string }) => item.content)).toEqual([
      'Question one',
      'First answer.',
      'Question two',
      'Second answer.',
    ]);
  });

  it('bounds the history to the newest turns that fit the budget', async () => {
    const { user, headers } = await h.trader();
    const conversation = await h.test.app.repos.conversations.create(user.id, 'Long study');
    for (let index = 0; index < 60; index += 1) {
      await h.test.app.repos.conversations.addMessage(conversation.id, {
        role: index % 2 === 0 ? 'user' : 'assistant',
        content: `turn ${index} ${'x'.repeat(1_500)}`,
      });
    }
    const index = h.fake.requests.length;
    await h.chat(headers, { message: 'And now?', conversationId: conversation.id });
    const sent = sentText(h.fake.requests[index]!.body.messages);
    const turns = sent.slice(0, -1).map(([, text]) => text.split(' ').slice(0, 2).join(' '));
    expect(turns.length).toBeGreaterThan(2);
    expect(turns.length).toBeLessThanOrEqual(20);
    expect(sent[0]![0]).toBe('user');
    // The newest turns, oldest first, ending with the last stored answer.
    const expected = Array.from({ length: turns.length }, (_, i) => `turn ${60 - turns.length + i}`);
    expect(turns).toEqual(expected);
  });

  it('another trader’s conversationId is 404 and reaches no upstream', async () => {
    const alice = await h.trader();
    const bob = await h.trader();
    const first = await h.chat(alice.headers, { message: 'Alice asks' });
    const before = h.fake.requests.length;
    const stolen = await h.chat(bob.headers, {
      message: 'Bob asks',
      conversationId: first.events[0]!.data.conversationId,
    });
    expect(stolen.status).toBe(404);
    expect(stolen.body).toEqual({ error: { code: 'not_found', message: 'conversation not found' } });
    expect(h.fake.requests.length).toBe(before);
  });
});

describe('chart images', () => {
  const png = pngOfSize(1_200, 800);

  it('are sent to the model; their metadata, not their bytes, is stored', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    const result = await h.chat(headers, {
      message: 'What is this bar?',
      images: [{ mediaType: 'image/png', data: png.toString('base64') }],
    });
    expect(result.status).toBe(200);
    const content = h.fake.requests[index]!.body.messages.at(-1)!.content as unknown as Array<Record<string, unknown>>;
    expect(content.slice(0, 2)).toEqual([
      { type: 'text', text: 'Chart 1 of 1' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } },
    ]);
    const { rows } = await h.database.db.query<{ images: unknown; content: string }>(
      `SELECT images, content FROM messages WHERE conversation_id = $1 AND role = 'user'`,
      [result.events[0]!.data.conversationId],
    );
    // With the local reader's reading (a plain grey image: no candles), and nothing the model was given.
    expect(rows[0]!.images).toEqual([
      {
        mediaType: 'image/png',
        bytes: png.length,
        width: 1_200,
        height: 800,
        analysis: {
          width: 1_200,
          height: 800,
          candles: [],
          sequence: '',
          combo: null,
          trigger: null,
          skipped: 'no_candles',
        },
        reader: { text: null, target: null },
      },
    ]);
  });

  it('a declared type that disagrees with the bytes is 400', async () => {
    const { headers } = await h.trader();
    const result = await h.chat(headers, {
      message: 'x',
      images: [{ mediaType: 'image/png', data: jpegHeader(640, 480).toString('base64') }],
    });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      error: {
        code: 'invalid_request',
        message: 'images[0] is declared image/png but its bytes are image/jpeg',
        field: 'images[0]',
      },
    });
  });

  it('bytes that are no image are 400', async () => {
    const { headers } = await h.trader();
    const result = await h.chat(headers, {
      message: 'x',
      images: [{ mediaType: 'image/webp', data: Buffer.from('GIF89a definitely not webp').toString('base64') }],
    });
    expect(result.status).toBe(400);
    expect((result.body as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it('an image at the limit reaches the model, whose 5 MB counts its base64; one over 8,000 px on a side is 400', async () => {
    const { headers } = await h.trader();
    // A real chart, padded after its end to the limit exactly: 3.75 MiB, whose base64 is the model's 5 MB.
    const atLimit = Buffer.alloc(MAX_IMAGE_BYTES);
    png.copy(atLimit);
    expect(atLimit.toString('base64')).toHaveLength(5 * 1024 * 1024);
    const taken = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: atLimit.toString('base64') }],
    });
    expect(taken.status).toBe(200);
    expect(taken.events.at(-1)?.event).toBe('stream_complete');

    const over = Buffer.alloc(MAX_IMAGE_BYTES + 3);
    png.copy(over);
    const refused = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: over.toString('base64') }],
    });
    expect(refused.status).toBe(413);

    const wide = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: pngOfSize(8_001, 40).toString('base64') }],
    });
    expect(wide.status).toBe(400);
    expect(wide.body).toEqual({
      error: {
        code: 'invalid_request',
        message: 'images[0] is 8001×40 px; the limit is 8000 px on each side',
        field: 'images[0]',
      },
    });
  });

  it('a question of whitespace alone is 400, before any model call', async () => {
    const { headers } = await h.trader();
    const calls = h.fake.requests.length;
    const result = await h.chat(headers, { message: ' \n\t ' });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      error: { code: 'invalid_request', message: 'message has no words: write a question', field: 'message' },
    });
    expect(h.fake.requests.length).toBe(calls);
  });

  it('an answer of whitespace alone is not stored, and the follow-up is answered', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['\n\n'] });
    const first = await h.chat(headers, { message: 'Anything?' });
    expect(first.events.at(-1)?.event).toBe('stream_complete');
    const conversationId = String(first.events[0]!.data.conversationId);
    // The model refuses a text block of whitespace alone: sent again, it would fail every later turn.
    const second = await h.chat(headers, { message: 'Is this a 2-1-2?', conversationId });
    expect(second.events.at(-1)?.event).toBe('stream_complete');
    const messages = await h.database.db.query<{ role: string }>(
      'SELECT role FROM messages WHERE conversation_id = $1 ORDER BY seq',
      [conversationId],
    );
    expect(messages.rows.map((row) => row.role)).toEqual(['user', 'user', 'assistant']);
  });

  it('an image over 3.75 MiB is 413, more than four images 400', async () => {
    const { headers } = await h.trader();
    const big = pngOfSize(2_400, 2_300, { noise: true });
    expect(big.length).toBeGreaterThan(MAX_IMAGE_BYTES);
    const tooBig = await h.chat(headers, {
      message: 'x',
      images: [{ mediaType: 'image/png', data: big.toString('base64') }],
    });
    expect(tooBig.status).toBe(413);
    expect((tooBig.body as { error: { code: string } }).error.code).toBe('payload_too_large');
    const image = { mediaType: 'image/png', data: png.toString('base64') };
    const tooMany = await h.chat(headers, { message: 'x', images: [image, image, image, image, image] });
    expect(tooMany.status).toBe(400);
  });
});

describe('requests', () => {
  it.each([
    [{ message: '' }, 'message'],
    [{ message: 'x'.repeat(20_001) }, 'message'],
    [{ message: 'x', conversationId: 'nope' }, 'conversationId'],
    [{ message: 'x', images: [{ mediaType: 'image/gif', data: 'R0lGOD' }] }, 'mediaType'],
    // Unpadded base64 (a length that is no multiple of four).
    [{ message: 'x', images: [{ mediaType: 'image/png', data: 'iVBORw0KGgo' }] }, 'data'],
  ])('invalid body %# is 400 naming the field', async (body, field) => {
    const { headers } = await h.trader();
    const result = await h.chat(headers, body);
    expect(result.status).toBe(400);
    expect((result.body as { error: { message: string } }).error.message).toContain(field);
  });

  it('requires sign-in', async () => {
    expect((await h.chat({}, { message: 'x' })).status).toBe(401);
  });
});

// A conversation about one chart, as the model sees it: follow-ups carry the stored chart without a re-upload,
// each request's messages are the previous request's plus the new turn (so the prefix is read from the
// cache), labels reach the model before their image, and stored charts belong to their owner until the
// retention sweep deletes them. Regenerate and Edit & resend (replaces) take the last turn's place for the model
// and in history; a stopped or cut-short answer says so in history (ending).
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationsRepository } from '../src/db/repositories/conversations.js';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { startChatHarness, usageRow, type ChatHarness } from './support/chat-harness.js';
import { eventually } from './support/eventually.js';
import { pngOfSize } from './support/png.js';
import { sentText } from './support/upstream-request.js';

/** What the local reader stores for the plain grey 1200 x 700 chart these tests send: no candles in it. */
const GREY_CHART_ANALYSIS = {
  width: 1_200,
  height: 700,
  candles: [],
  sequence: '',
  combo: null,
  trigger: null,
  skipped: 'no_candles',
};

let h: ChatHarness;
beforeAll(async () => {
  h = await startChatHarness();
});
afterAll(async () => {
  await h.close();
});

const chart = pngOfSize(1_200, 700);
const chartB64 = chart.toString('base64');

/** The request as the cache sees it: the same blocks with the breakpoint markers taken off. */
const unmarked = (body: MessageCreateParamsBase): unknown =>
  JSON.parse(JSON.stringify(body.messages, (key, value: unknown) => (key === 'cache_control' ? undefined : value)));

const breakpoints = (body: MessageCreateParamsBase): number =>
  JSON.stringify([body.system, body.messages]).split('"cache_control"').length - 1;

type Block = { type: string; text?: string; source?: { data?: string } };
const blocksOf = (body: MessageCreateParamsBase, index: number): Block[] =>
  body.messages[index]!.content as unknown as Block[];

describe('a five-turn conversation about one chart', () => {
  it('sends the stored chart with every follow-up, and each request extends the last one, read from the cache', async () => {
    const { headers } = await h.trader();
    const first = h.fake.requests.length;
    const questions = ['Number the bars.', 'Where is the trigger?', 'And the stop?', 'Targets?', 'Exhaustion?'];
    let conversationId: unknown;
    const requestIds: string[] = [];
    for (const [turn, message] of questions.entries()) {
      h.fake.script({ chunks: [`Answer ${turn + 1}: the 1's high is the trigger.`] });
      const result = await h.chat(headers, {
        message,
        ...(turn === 0 ? { images: [{ mediaType: 'image/png', data: chartB64, label: 'SPY 60m' }] } : {}),
        ...(conversationId ? { conversationId } : {}),
      });
      expect(result.events.at(-1)!.event).toBe('stream_complete');
      conversationId = result.events[0]!.data.conversationId;
      requestIds.push(String(result.events[0]!.data.requestId));
    }
    const requests = h.fake.requests.slice(first).map((request) => request.body);
    expect(requests).toHaveLength(5);

    // Turns 2–5 carry the chart stored with turn 1: its title, then the same bytes, in the first question.
    for (const body of requests) {
      expect(blocksOf(body, 0).slice(0, 2)).toEqual([
        { type: 'text', text: 'Chart 1 of 1 — SPY 60m' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: chartB64 } },
      ]);
      // The coaching prompt, and the conversation; never more than the API's four.
      expect(breakpoints(body)).toBeGreaterThanOrEqual(2);
      expect(breakpoints(body)).toBeLessThanOrEqual(4);
    }
    // Each request's messages are exactly the previous request's, then the answer and the next question.
    for (let turn = 1; turn < requests.length; turn += 1) {
      const before = unmarked(requests[turn - 1]!) as unknown[];
      const after = unmarked(requests[turn]!) as unknown[];
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after).toHaveLength(before.length + 2);
    }
    // So each turn reads what the one before it cached, chart included.
    const rows = await Promise.all(requestIds.map((id) => usageRow(h, id)));
    for (let turn = 1; turn < rows.length; turn += 1) {
      const previous = rows[turn - 1]!;
      expect(rows[turn]!.cache_read_tokens).toBe(previous.cache_read_tokens + previous.cache_write_tokens);
      expect(rows[turn]!.input_tokens).toBe(0);
    }
    expect(rows[4]!.cache_read_tokens).toBeGreaterThan(1_120 + 2_000); // the chart (1,120 tokens) and the prompt
  });

  it('a new capture replaces the conversation’s chart: the old one becomes a note, the new one is sent', async () => {
    const { headers } = await h.trader();
    const first = await h.chat(headers, {
      message: 'The daily?',
      images: [{ mediaType: 'image/png', data: chartB64, label: 'ES D' }],
    });
    const conversationId = first.events[0]!.data.conversationId;
    const newer = pngOfSize(900, 600).toString('base64');
    const index = h.fake.requests.length;
    await h.chat(headers, {
      message: 'Now the 60m?',
      conversationId,
      images: [{ mediaType: 'image/png', data: newer, label: 'ES 60m' }],
    });
    const body = h.fake.requests[index]!.body;
    expect(blocksOf(body, 0)).toEqual([
      { type: 'text', text: '[1 chart sent here (ES D): replaced by a newer capture.]' },
      { type: 'text', text: 'The daily?' },
    ]);
    expect(blocksOf(body, 2).slice(0, 2)).toEqual([
      { type: 'text', text: 'Chart 1 of 1 — ES 60m' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: newer } },
    ]);
  });
});

describe('a conversation through a refusal and a retry', () => {
  it('a refused question asked again is a new question; a retry with a new chart stores that chart', async () => {
    const { headers } = await h.trader();
    h.fake.script(
      { chunks: ['First answer.'] },
      { chunks: ['No.'], refusal: { afterChunks: 0 } },
      { chunks: ['Answer to the resend.'] },
      { failBeforeStream: { status: 400 } },
      { chunks: ['About the new chart.'] },
      { chunks: ['Follow-up answer.'] },
    );
    const first = await h.chat(headers, { message: 'Question one' });
    const conversationId = first.events[0]!.data.conversationId;
    const ask = (message: string, extra: Record<string, unknown> = {}) =>
      h.chat(headers, { message, conversationId, ...extra });
    expect((await ask('Same text')).events.at(-1)).toMatchObject({ data: { code: 'refused' } });
    const resent = h.fake.requests.length;
    await ask('Same text');
    // The refused question left the model's view; the resend is a question of its own, with its answer.
    expect(sentText(h.fake.requests[resent]!.body.messages)).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Same text'],
    ]);

    expect((await ask('What is this?')).events.at(-1)?.event).toBe('stream_error');
    const retried = h.fake.requests.length;
    await ask('What is this?', { images: [{ mediaType: 'image/png', data: chartB64, label: 'ES D' }] });
    const followUp = h.fake.requests.length;
    await ask('And the stop?');
    // The retry's chart was stored with it, so the follow-up still shows it, and extends the retry's request.
    const retryRequest = unmarked(h.fake.requests[retried]!.body) as unknown[];
    const followRequest = unmarked(h.fake.requests[followUp]!.body) as unknown[];
    expect(followRequest.slice(0, retryRequest.length)).toEqual(retryRequest);
    expect(JSON.stringify(followRequest)).toContain('Chart 1 of 1 — ES D');
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages`,
      headers,
    });
    // History says which question the model refused: a client reopening the conversation leaves it (and any charts
    // it sent) out of what follow-ups use, as the server does.
    expect(
      messages
        .json<{ items: { content: string; refused?: true }[] }>()
        .items.filter((item) => item.refused)
        .map((item) => item.content),
    ).toEqual(['Same text']);
    expect(messages.json().items.map((item: { content: string }) => item.content)).toEqual([
      'Question one',
      'First answer.',
      'Same text',
      'Same text',
      'Answer to the resend.',
      'What is this?',
      'What is this?',
      'About the new chart.',
      'And the stop?',
      'Follow-up answer.',
    ]);
  });
});

describe('the quota of a cached conversation', () => {
  it('counts a question’s own tokens once, though they reach the model as cache writes; not the shared prompt', async () => {
    const { headers } = await h.trader();
    h.fake.reset(); // a cold cache: this turn writes the coaching prompt too
    h.fake.script({ chunks: ['One.'], thinking: false }, { chunks: ['Two.'], thinking: false });
    const first = await h.chat(headers, {
      message: 'Number the bars.',
      images: [{ mediaType: 'image/png', data: chartB64 }],
    });
    const one = first.events.at(-1)!.data as { usage: Record<string, number>; quota: { used: number } };
    // Everything new is written to the cache: the coaching prompt (everyone's) and the chart and question.
    expect(one.usage.inputTokens).toBe(0);
    expect(one.usage.cacheCreationInputTokens).toBeGreaterThan(2_000 + 1_120);
    // The chart (1,120 tokens) and the question count; the shared coaching prompt does not.
    expect(one.quota.used).toBeGreaterThanOrEqual(1_120 + one.usage.outputTokens!);
    expect(one.quota.used).toBeLessThan(1_120 + 100 + one.usage.outputTokens!);

    const second = await h.chat(headers, {
      message: 'And the stop?',
      conversationId: first.events[0]!.data.conversationId,
    });
    const two = second.events.at(-1)!.data as { usage: Record<string, number>; quota: { used: number } };
    // Read back from the cache, the chart and the first turn are not counted again: only what is new.
    expect(two.usage.cacheReadInputTokens).toBeGreaterThan(1_120);
    expect(two.quota.used - one.quota.used).toBe(
      two.usage.cacheCreationInputTokens! + two.usage.inputTokens! + two.usage.outputTokens!,
    );
    const current = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
    expect(current.json().quota.used).toBe(two.quota.used);
  });
});

describe('chart labels', () => {
  it('reach the model as "Chart n of N — label" right before each image', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    await h.chat(headers, {
      message: 'Continuity?',
      images: [
        { mediaType: 'image/png', data: chartB64, label: 'SPY D' },
        { mediaType: 'image/png', data: chartB64 },
        { mediaType: 'image/png', data: chartB64, label: ' SPY 5m ' },
      ],
    });
    const blocks = blocksOf(h.fake.requests[index]!.body, 0);
    expect(blocks.map((block) => (block.type === 'text' ? block.text : block.type))).toEqual([
      'Chart 1 of 3 — SPY D',
      'image',
      'Chart 2 of 3',
      'image',
      'Chart 3 of 3 — SPY 5m',
      'image',
      'Continuity?',
    ]);
  });

  it.each([
    ['a control character', 'SPY\u000760m'],
    ['more than 40 characters', 'x'.repeat(41)],
    ['an empty label', ''],
  ])('with %s is 400 naming the field', async (_what, label) => {
    const { headers } = await h.trader();
    const before = h.fake.requests.length;
    const result = await h.chat(headers, { message: 'x', images: [{ mediaType: 'image/png', data: chartB64, label }] });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('label') },
    });
    expect(h.fake.requests.length).toBe(before);
  });
});

describe('stored charts', () => {
  const chartUrl = (conversationId: unknown, messageId: unknown, n: number) =>
    `/api/v1/conversations/${String(conversationId)}/messages/${String(messageId)}/charts/${n}`;

  async function askWithChart(headers: Record<string, string>) {
    const result = await h.chat(headers, {
      message: 'Is this a 3-1-2?',
      images: [{ mediaType: 'image/png', data: chartB64, label: 'QQQ 15' }],
    });
    const conversationId = result.events[0]!.data.conversationId;
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages`,
      headers,
    });
    const question = (messages.json().items as Array<{ id: string; role: string; images: unknown[] }>)[0]!;
    return { conversationId, question };
  }

  it('the owner reads a chart back as the image; anyone else gets the same 404 as for nothing at all', async () => {
    const alice = await h.trader();
    const bob = await h.trader();
    const { conversationId, question } = await askWithChart(alice.headers);
    expect(question.images).toEqual([
      {
        mediaType: 'image/png',
        bytes: chart.length,
        width: 1_200,
        height: 700,
        label: 'QQQ 15',
        analysis: GREY_CHART_ANALYSIS,
      },
    ]);

    const own = await h.test.app.inject({
      method: 'GET',
      url: chartUrl(conversationId, question.id, 0),
      headers: alice.headers,
    });
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-type']).toBe('image/png');
    expect(own.headers['cache-control']).toBe('private, max-age=3600');
    expect(own.rawPayload.equals(chart)).toBe(true);

    const stolen = await h.test.app.inject({
      method: 'GET',
      url: chartUrl(conversationId, question.id, 0),
      headers: bob.headers,
    });
    const missing = await h.test.app.inject({
      method: 'GET',
      url: chartUrl(conversationId, question.id, 1),
      headers: alice.headers,
    });
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toEqual({ error: { code: 'not_found', message: 'chart not found' } });
    expect(missing.json()).toEqual(stolen.json());
    const anonymous = await h.test.app.inject({ method: 'GET', url: chartUrl(conversationId, question.id, 0) });
    expect(anonymous.statusCode).toBe(401);
    const outOfRange = await h.test.app.inject({
      method: 'GET',
      url: chartUrl(conversationId, question.id, 9),
      headers: alice.headers,
    });
    expect(outOfRange.statusCode).toBe(400);
  });

  it('retention deletes expired charts: the route answers 404 and the model gets a note instead', async () => {
    const { headers } = await h.trader();
    const { conversationId, question } = await askWithChart(headers);
    await h.database.db.query(
      `UPDATE message_charts SET created_at = now() - interval '31 days' WHERE message_id = $1`,
      [question.id],
    );
    expect(await h.test.app.sweepCharts()).toBeGreaterThanOrEqual(1);
    const gone = await h.test.app.inject({ method: 'GET', url: chartUrl(conversationId, question.id, 0), headers });
    expect(gone.statusCode).toBe(404);

    const index = h.fake.requests.length;
    await h.chat(headers, { message: 'And the target?', conversationId });
    expect(blocksOf(h.fake.requests[index]!.body, 0)[0]).toEqual({
      type: 'text',
      text: '[1 chart sent here (QQQ 15): no longer stored.]',
    });
  });

  it('go with their conversation', async () => {
    const { headers } = await h.trader();
    const { conversationId, question } = await askWithChart(headers);
    await h.database.db.query('DELETE FROM conversations WHERE id = $1', [conversationId]);
    const { rows } = await h.database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM message_charts WHERE message_id = $1',
      [question.id],
    );
    expect(rows[0]!.n).toBe(0);
  });
});

describe('a new conversation’s title', () => {
  it('leads with the charts’ symbol and timeframes, then the question', async () => {
    const { headers } = await h.trader();
    const result = await h.chat(headers, {
      message: 'Is this a 2-1-2?\nThe 5m shows the trigger.',
      images: [
        { mediaType: 'image/png', data: chartB64, label: 'SPY 5m' },
        { mediaType: 'image/png', data: chartB64, label: 'SPY 60m' },
      ],
    });
    expect(result.events.at(-1)?.event).toBe('stream_complete');
    const list = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers });
    expect(list.json().items.map((item: { title: string }) => item.title)).toEqual(['SPY 60m · 5m — Is this a 2-1-2?']);
  });
});

describe('deleting a conversation', () => {
  const remove = (headers: Record<string, string>, id: unknown) =>
    h.test.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${String(id)}`, headers });
  const usageNow = async (headers: Record<string, string>) =>
    (await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers })).json<{
      requests: number;
      quota: { used: number };
    }>();

  it('takes its messages and stored charts; the usage it cost stays', async () => {
    const alice = await h.trader();
    const result = await h.chat(alice.headers, {
      message: 'Is this a 3-1-2?',
      images: [{ mediaType: 'image/png', data: chartB64, label: 'QQQ 15' }],
    });
    const conversationId = result.events[0]!.data.conversationId;
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages`,
      headers: alice.headers,
    });
    const question = messages.json().items[0] as { id: string };
    const before = await usageNow(alice.headers);

    const deleted = await remove(alice.headers, conversationId);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const list = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: alice.headers });
    expect(list.json().items).toEqual([]);
    const gone = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages`,
      headers: alice.headers,
    });
    expect(gone.statusCode).toBe(404);
    const chart = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages/${question.id}/charts/0`,
      headers: alice.headers,
    });
    expect(chart.statusCode).toBe(404);
    const { rows } = await h.database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM message_charts WHERE message_id = $1',
      [question.id],
    );
    expect(rows[0]!.n).toBe(0);
    expect(await usageNow(alice.headers)).toEqual(before);
    expect(await usageRow(h, String(result.events[0]!.data.requestId))).toMatchObject({ conversation_id: null });
    // Deleted is gone: a second delete is the same 404 as for a conversation that never was.
    const again = await remove(alice.headers, conversationId);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({ error: { code: 'not_found', message: 'conversation not found' } });
  });

  it('another trader’s conversation is 404, the same as one that does not exist, and stays', async () => {
    const alice = await h.trader();
    const bob = await h.trader();
    const secret = await h.test.app.repos.conversations.create(alice.user.id, 'Alice’s plan');
    const stolen = await remove(bob.headers, secret.id);
    const missing = await remove(bob.headers, crypto.randomUUID());
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toEqual(missing.json());
    expect(await h.test.app.repos.conversations.findForUser(secret.id, alice.user.id)).toBeDefined();
    expect((await remove(bob.headers, 'not-a-uuid')).statusCode).toBe(400);
  });

  it('from another window while a follow-up is being stored: the follow-up is 404 and holds no quota', async () => {
    const alice = await h.trader();
    const first = await h.chat(alice.headers, { message: 'Is this a 2-1-2?' });
    const conversationId = String(first.events[0]!.data.conversationId);
    await h.chat(alice.headers, { message: 'And the stop?', conversationId });
    const held = async () =>
      (
        await h.database.db.query<{ reserved: number }>('SELECT quota_reserved AS reserved FROM users WHERE id = $1', [
          alice.user.id,
        ])
      ).rows[0]!.reserved;
    await eventually(async () => ((await held()) === 0 ? true : undefined), 5_000, 'the earlier turns settled');

    let followUp: ReturnType<typeof h.chat> | undefined;
    await h.database.another().transaction(async (tx) => {
      // The trader's row held, as a turn being stored holds it: the follow-up, its conversation already read, waits
      // to store its turn while the conversation is deleted and the deletion commits.
      await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [alice.user.id]);
      followUp = h.chat(alice.headers, { message: 'Targets?', conversationId });
      await eventually(
        async () =>
          (await tx.query('SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))')).rows
            .length > 0 || undefined,
        5_000,
        'the follow-up waiting for the trader’s row',
      );
      expect(await conversationsRepository(tx).remove(conversationId, alice.user.id)).toBe(true);
    });
    const refused = await followUp!;
    expect(refused.status).toBe(404);
    expect(refused.body).toEqual({ error: { code: 'not_found', message: 'conversation not found' } });
    // Before, the trader's counters kept the follow-up's reservation (about 11,000 tokens of a free month) with no
    // reservation row to give it back, and the trader was told the quota was spent (402).
    expect(await held()).toBe(0);
  });

  it('while its answer streams: the answer completes and is billed, and nothing of it is kept', async () => {
    const alice = await h.trader();
    const before = await usageNow(alice.headers);
    h.fake.script({ chunks: ['A 2-1-2 ', 'triggers ', 'above the 1.'], chunkDelayMs: 150 });
    let conversationId: unknown;
    let completed = false;
    let deleted: Promise<{ statusCode: number; whileStreaming: boolean }> | undefined;
    const result = await h.chat(
      alice.headers,
      { message: 'Is this a 2-1-2?', images: [{ mediaType: 'image/png', data: chartB64, label: 'SPY 60m' }] },
      {
        onEvent: (event) => {
          if (event.event === 'stream_start') conversationId = event.data.conversationId;
          if (event.event === 'stream_complete') completed = true;
          // The first words are out, the rest still to come: the trader deletes the conversation.
          if (event.event === 'content_delta' && !deleted) {
            deleted = remove(alice.headers, conversationId).then(({ statusCode }) => ({
              statusCode,
              whileStreaming: !completed,
            }));
          }
        },
      },
    );
    expect(await deleted).toEqual({ statusCode: 204, whileStreaming: true });
    const complete = result.events.at(-1)!;
    expect(complete).toMatchObject({ event: 'stream_complete', data: { stopReason: 'end_turn' } });
    expect(result.text()).toBe('A 2-1-2 triggers above the 1.');

    // Billed: the usage row is there, with no conversation, and the quota counts it.
    const usage = await usageRow(h, String(result.events[0]!.data.requestId));
    expect(usage).toMatchObject({ status: 'ok', conversation_id: null });
    expect(usage!.output_tokens).toBeGreaterThan(0);
    const after = await usageNow(alice.headers);
    expect(after.requests).toBe(before.requests + 1);
    expect(after.quota.used).toBe((complete.data.quota as { used: number }).used);
    expect(after.quota.used).toBeGreaterThan(before.quota.used);
    // Nothing of the conversation is kept: not the question, its chart, nor the answer; no reservation is held.
    const { rows } = await h.database.db.query<{ messages: number; charts: number; reservations: number }>(
      `SELECT (SELECT count(*) FROM messages WHERE conversation_id = $1 OR id = $2)::int AS messages,
              (SELECT count(*) FROM message_charts WHERE user_id = $3)::int AS charts,
              (SELECT count(*) FROM quota_reservations WHERE user_id = $3)::int AS reservations`,
      [conversationId, result.events[0]!.data.messageId, alice.user.id],
    );
    expect(rows[0]).toEqual({ messages: 0, charts: 0, reservations: 0 });
    const list = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: alice.headers });
    expect(list.json().items).toEqual([]);
  });
});

describe('Regenerate and Edit & resend (replaces)', () => {
  type Item = { id: string; role: string; content: string; images: unknown[]; ending?: string };
  const historyOf = async (headers: Record<string, string>, conversationId: unknown) =>
    (
      await h.test.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${String(conversationId)}/messages`,
        headers,
      })
    ).json<{ items: Item[] }>().items;
  const usageCount = async (userId: string) =>
    (
      await h.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM token_usage WHERE user_id = $1', [
        userId,
      ])
    ).rows[0]!.n;

  /** Two turns, the second with a chart: the conversation, and the second question's id as stream_start gave it. */
  async function twoTurns(headers: Record<string, string>) {
    h.fake.script({ chunks: ['First answer.'] }, { chunks: ['The old answer.'] });
    const first = await h.chat(headers, { message: 'Question one' });
    const conversationId = first.events[0]!.data.conversationId;
    const second = await h.chat(headers, {
      message: 'Is this a 2-1-2?',
      conversationId,
      images: [{ mediaType: 'image/png', data: chartB64, label: 'SPY 60m' }],
    });
    expect(second.events.at(-1)?.event).toBe('stream_complete');
    const questionId = second.events[0]!.data.questionId;
    expect(questionId).toEqual(expect.any(String));
    return { conversationId, questionId };
  }

  it('Regenerate: the model sees the turns before it and the question with its chart, not the old answer; history keeps only the new turn', async () => {
    const { headers, user } = await h.trader();
    const { conversationId, questionId } = await twoTurns(headers);
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['The new answer.'] });
    const again = await h.chat(headers, { message: 'Is this a 2-1-2?', conversationId, replaces: questionId });
    expect(again.events.at(-1)?.event).toBe('stream_complete');

    const body = h.fake.requests[index]!.body;
    expect(sentText(body.messages)).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Chart 1 of 1 — SPY 60m\nIs this a 2-1-2?'],
    ]);
    expect(JSON.stringify(body.messages)).toContain(chartB64);

    const items = await historyOf(headers, conversationId);
    expect(items.map((item) => [item.role, item.content])).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Is this a 2-1-2?'],
      ['assistant', 'The new answer.'],
    ]);
    // The new question took over the chart: listed with it, and served from it; the old question is gone.
    const question = items[2]!;
    expect(question.id).toBe(again.events[0]!.data.questionId);
    expect(question.id).not.toBe(questionId);
    expect(question.images).toEqual([
      {
        mediaType: 'image/png',
        bytes: chart.length,
        width: 1_200,
        height: 700,
        label: 'SPY 60m',
        analysis: GREY_CHART_ANALYSIS,
      },
    ]);
    const stored = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages/${question.id}/charts/0`,
      headers,
    });
    expect(stored.statusCode).toBe(200);
    expect(stored.rawPayload.equals(chart)).toBe(true);
    const old = await h.database.db.query('SELECT 1 FROM messages WHERE id = $1', [questionId]);
    expect(old.rows).toEqual([]);
    // Every call stays billed.
    expect(await usageCount(user.id)).toBe(3);

    // A follow-up extends the replaced conversation, not the old one.
    const next = h.fake.requests.length;
    await h.chat(headers, { message: 'And the stop?', conversationId });
    expect(sentText(h.fake.requests[next]!.body.messages).map(([, text]) => text)).not.toContain('The old answer.');
  });

  it('Edit & resend with a new chart: the old question, its answer and its chart leave the conversation', async () => {
    const { headers } = await h.trader();
    const { conversationId, questionId } = await twoTurns(headers);
    const { rows: before } = await h.database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM message_charts WHERE message_id = $1',
      [questionId],
    );
    expect(before[0]!.n).toBe(1);
    const newer = pngOfSize(900, 600).toString('base64');
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['About the 15m.'] });
    await h.chat(headers, {
      message: 'What is the 15m doing?',
      conversationId,
      replaces: questionId,
      images: [{ mediaType: 'image/png', data: newer, label: 'SPY 15m' }],
    });
    const sent = JSON.stringify(h.fake.requests[index]!.body.messages);
    expect(sent).not.toContain('Is this a 2-1-2?');
    expect(sent).not.toContain('The old answer.');
    expect(sent).not.toContain(chartB64);
    expect(sent).toContain(newer);
    const items = await historyOf(headers, conversationId);
    expect(items.map((item) => item.content)).toEqual([
      'Question one',
      'First answer.',
      'What is the 15m doing?',
      'About the 15m.',
    ]);
    const { rows: after } = await h.database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM message_charts WHERE message_id = $1',
      [questionId],
    );
    expect(after[0]!.n).toBe(0);
  });

  it('names only the last question of the conversation: an earlier one is 400, an unknown or another trader’s 404', async () => {
    const alice = await h.trader();
    const bob = await h.trader();
    const { conversationId } = await twoTurns(alice.headers);
    const [first] = await historyOf(alice.headers, conversationId);
    const answerId = (await historyOf(alice.headers, conversationId)).at(-1)!.id;
    const before = h.fake.requests.length;
    const ask = (headers: Record<string, string>, extra: Record<string, unknown>) =>
      h.chat(headers, { message: 'Again', conversationId, ...extra });

    const earlier = await ask(alice.headers, { replaces: first!.id });
    expect(earlier.status).toBe(400);
    expect(earlier.body).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('last question') },
    });
    const unknownConversation = await ask(alice.headers, { conversationId: crypto.randomUUID() });
    expect(unknownConversation.status).toBe(404);
    for (const replaces of [crypto.randomUUID(), answerId]) {
      const unknown = await ask(alice.headers, { replaces });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual(unknownConversation.body);
    }
    const stolen = await ask(bob.headers, { replaces: first!.id });
    expect(stolen.status).toBe(404);
    expect(stolen.body).toEqual(unknownConversation.body);
    const alone = await h.chat(alice.headers, { message: 'Again', replaces: first!.id });
    expect(alone.status).toBe(400);
    expect(alone.body).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('conversationId') },
    });
    expect(h.fake.requests.length).toBe(before);
    expect(await historyOf(alice.headers, conversationId)).toHaveLength(4);
  });

  it('a Regenerate stopped before the coach wrote a word keeps the answer it was to replace, and its chart', async () => {
    const { headers } = await h.trader();
    const { conversationId, questionId } = await twoTurns(headers);
    const before = await historyOf(headers, conversationId);
    // The coach thinks a long while before its first word: the trader stops it then.
    h.fake.script({ chunks: ['Never sent.'], headersDelayMs: 5_000 });
    const index = h.fake.requests.length;
    const controller = new AbortController();
    const stopped = await h.chat(
      headers,
      { message: 'Is this a 2-1-2?', conversationId, replaces: questionId },
      { signal: controller.signal, onEvent: (event) => event.event === 'stream_start' && controller.abort() },
    );
    expect(stopped.events[0]!.event).toBe('stream_start');
    await h.fake.waitForDisconnect(index, 2_000);
    // Settled: its reservation is given back, and the conversation is as it was before the Regenerate.
    await eventually(async () => {
      const { rows } = await h.database.db.query('SELECT 1 FROM quota_reservations WHERE conversation_id = $1', [
        conversationId,
      ]);
      return rows.length === 0 ? true : undefined;
    });
    expect(await historyOf(headers, conversationId)).toEqual(before);
    const stored = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(conversationId)}/messages/${String(questionId)}/charts/0`,
      headers,
    });
    expect(stored.statusCode).toBe(200);

    // Regenerate again, now answered: the earlier turn gives way to it.
    h.fake.script({ chunks: ['The new answer.'] });
    const again = await h.chat(headers, { message: 'Is this a 2-1-2?', conversationId, replaces: questionId });
    expect(again.events.at(-1)?.event).toBe('stream_complete');
    expect((await historyOf(headers, conversationId)).map((item) => item.content)).toEqual([
      'Question one',
      'First answer.',
      'Is this a 2-1-2?',
      'The new answer.',
    ]);
  });

  it('a Regenerate that fails before a word keeps the earlier answer; one that fails part way replaces it', async () => {
    const { headers } = await h.trader();
    const { conversationId, questionId } = await twoTurns(headers);
    const before = await historyOf(headers, conversationId);
    h.fake.script({ failBeforeStream: { status: 400, message: 'Invalid request' } });
    const failed = await h.chat(headers, { message: 'Is this a 2-1-2?', conversationId, replaces: questionId });
    expect(failed.events.at(-1)?.event).toBe('stream_error');
    expect(await historyOf(headers, conversationId)).toEqual(before);

    h.fake.script({ chunks: ['The 2U ', 'took out ', 'the inside bar'], dropAfterChunks: 2 });
    const broken = await h.chat(headers, { message: 'Is this a 2-1-2?', conversationId, replaces: questionId });
    expect(broken.events.at(-1)).toMatchObject({ event: 'stream_error', data: { code: 'upstream_error' } });
    expect((await historyOf(headers, conversationId)).map((item) => [item.content, item.ending])).toEqual([
      ['Question one', undefined],
      ['First answer.', undefined],
      ['Is this a 2-1-2?', undefined],
      ['The 2U took out ', 'failed'],
    ]);
  });

  it('a replacement refused for quota leaves the old turn as it was', async () => {
    const { headers, user } = await h.trader();
    const { conversationId, questionId } = await twoTurns(headers);
    const before = await historyOf(headers, conversationId);
    const period = billingPeriodAt(user.periodStart, new Date());
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
      user.id,
      period.start,
      100_000,
    ]);
    const refused = await h.chat(headers, { message: 'Is this a 2-1-2?', conversationId, replaces: questionId });
    expect(refused.status).toBe(402);
    expect(await historyOf(headers, conversationId)).toEqual(before);
    const { rows } = await h.database.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM message_charts WHERE message_id = $1',
      [questionId],
    );
    expect(rows[0]!.n).toBe(1);
  });
});

describe('how an answer ended, in history', () => {
  it('a stopped answer comes back as ending "stopped", a cut-short one "cut_short", a failed one "failed", a whole one without', async () => {
    const { headers } = await h.trader();
    const history = async (conversationId: unknown) =>
      (
        await h.test.app.inject({
          method: 'GET',
          url: `/api/v1/conversations/${String(conversationId)}/messages`,
          headers,
        })
      ).json<{ items: Array<{ role: string; ending?: string }> }>().items;

    h.fake.script({ chunks: ['Whole.'] });
    const whole = await h.chat(headers, { message: 'Short one' });
    const conversationId = whole.events[0]!.data.conversationId;

    const long = Array.from({ length: 80 }, (_, i) => `Point ${i} about the 2-1-2 and its trigger. `.repeat(10));
    h.fake.script({ chunks: long, thinking: { tokens: 4_000 } });
    const cut = await h.chat(headers, { message: 'Explain everything.', conversationId });
    expect(cut.events.at(-1)!.data).toMatchObject({ stopReason: 'max_tokens' });

    // The model's context window reached: the API says to treat it as truncated, as max_tokens.
    h.fake.script({ chunks: ['Up to here'], stopReason: 'model_context_window_exceeded' });
    const full = await h.chat(headers, { message: 'And the rest?', conversationId });
    expect(full.events.at(-1)!.data).toMatchObject({ stopReason: 'model_context_window_exceeded' });

    h.fake.script({ chunks: ['A 3-1-2 needs ', 'the outside bar first, ', 'never sent'], stallAfterChunks: 2 });
    const index = h.fake.requests.length;
    const controller = new AbortController();
    let seen = '';
    const stopped = await h.chat(
      headers,
      { message: 'Walk me through a 3-1-2.', conversationId },
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.event === 'content_delta') seen += String(event.data.text);
          if (seen.includes('outside bar')) controller.abort();
        },
      },
    );
    await h.fake.waitForDisconnect(index, 2_000);
    await eventually(async () => ((await history(conversationId)).length === 8 ? true : undefined));
    expect(stopped.events[0]!.event).toBe('stream_start');

    // The model's connection lost part way: the words delivered are kept, and said not to be the whole answer.
    h.fake.script({ chunks: ['The 2U ', 'took out ', 'the inside bar'], dropAfterChunks: 2 });
    const failed = await h.chat(headers, { message: 'And the 2-2?', conversationId });
    expect(failed.events.at(-1)).toMatchObject({ event: 'stream_error', data: { code: 'upstream_error' } });

    const items = await history(conversationId);
    expect(items.map((item) => [item.role, item.ending])).toEqual([
      ['user', undefined],
      ['assistant', undefined],
      ['user', undefined],
      ['assistant', 'cut_short'],
      ['user', undefined],
      ['assistant', 'cut_short'],
      ['user', undefined],
      ['assistant', 'stopped'],
      ['user', undefined],
      ['assistant', 'failed'],
    ]);
    expect(Object.keys(items[1]!)).not.toContain('ending');
  });
});

describe('a NUL in the text', () => {
  it('is left out of what is stored: the question, the answer and its usage row are kept', async () => {
    const { headers } = await h.trader();
    // PostgreSQL's text refuses NUL: the answer's settlement (its usage row with it) failed for good.
    h.fake.script({ chunks: ['Bar 3\u0000 is ', 'a 2-up.'] });
    const result = await h.chat(headers, { message: 'Is this\u0000 a 2-1-2?' });
    expect(result.status).toBe(200);
    expect(result.events.at(-1)?.event).toBe('stream_complete');
    const requestId = String(result.events[0]!.data.requestId);
    await eventually(() => usageRow(h, requestId), 5_000, 'the answer’s usage row');
    expect(await usageRow(h, requestId)).toMatchObject({ status: 'ok' });
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${String(result.events[0]!.data.conversationId)}/messages`,
      headers,
    });
    expect(messages.json<{ items: { role: string; content: string }[] }>().items).toMatchObject([
      { role: 'user', content: 'Is this a 2-1-2?' },
      { role: 'assistant', content: 'Bar 3 is a 2-up.' },
    ]);
  });
});

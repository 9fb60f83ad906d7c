// Coaching on models that think, through the real SDK and the fake upstream thinking as the docs describe:
// the trader hears "thinking" before the text, thinking never reaches the answer or storage, max_tokens leaves
// room for thinking (and a cut-short answer can be continued), a trader near the quota thinks less instead
// of losing the answer, and a refusal ends the stream with `refused` and leaves the model's context.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { estimateTextTokens } from '../src/services/coach-history.js';
import { startChatHarness, usageRow, type ChatHarness } from './support/chat-harness.js';
import { eventually } from './support/eventually.js';
import type { ReceivedEvent } from './support/coach-client.js';
import { sentText } from './support/upstream-request.js';

const names = (events: ReceivedEvent[]) =>
  events.map((event) => (event.event === 'coach_status' ? `status:${String(event.data.state)}` : event.event));

const messagesOf = async (h: ChatHarness, headers: Record<string, string>, conversationId: unknown) =>
  (
    await h.test.app.inject({ method: 'GET', url: `/api/v1/conversations/${String(conversationId)}/messages`, headers })
  ).json().items as Array<{ role: string; content: string }>;

describe('on the default model (Claude Sonnet 5.5, adaptive thinking)', () => {
  let h: ChatHarness;
  beforeAll(async () => {
    h = await startChatHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('says the coach is thinking, then writing, before the first text; asks for thinking explicitly', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['The 1 ', 'held.'], thinking: { tokens: 700 } });
    const result = await h.chat(headers, { message: 'Number the last bars.' });
    expect(names(result.events)).toEqual([
      'stream_start',
      'message_start',
      'status:thinking',
      'status:writing',
      'content_delta',
      'content_delta',
      'stream_complete',
    ]);
    expect(result.text()).toBe('The 1 held.');
    const sent = h.fake.requests[index]!.body;
    expect(sent).toMatchObject({
      max_tokens: 8_192,
      thinking: { type: 'adaptive', display: 'omitted' },
      output_config: { effort: 'medium' },
    });
    // Thinking tokens are output tokens: billed and counted against the quota.
    expect(result.events.at(-1)!.data).toMatchObject({ usage: { outputTokens: 700 + 3 }, stopReason: 'end_turn' });
  });

  it('reserves the whole answer budget (thinking included) while the answer streams', async () => {
    const { user, headers } = await h.trader();
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['a', 'b', 'c'], stallAfterChunks: 1 });
    const controller = new AbortController();
    const answer = h.chat(headers, { message: 'Where is the trigger?' }, { signal: controller.signal });
    await h.fake.waitForChunks(index, 1);
    const { rows } = await h.database.db.query<{ quota_reserved: number }>(
      'SELECT quota_reserved FROM users WHERE id = $1',
      [user.id],
    );
    expect(rows[0]!.quota_reserved).toBeGreaterThan(8_192);
    controller.abort();
    await answer;
  });

  it('waits out a long silent think (only pings arrive) instead of calling it a stall', async () => {
    const { headers } = await h.trader();
    // 3 s of thinking, twice the idle limit the harness gives a silent upstream.
    h.fake.script({ chunks: ['Done.'], thinking: { delayMs: 3_000, tokens: 2_000 }, ping: true });
    const result = await h.chat(headers, { message: 'Think hard.' });
    expect(result.events.at(-1)).toMatchObject({ event: 'stream_complete', data: { stopReason: 'end_turn' } });
    expect(result.text()).toBe('Done.');
  });

  it('bills the thinking of an answer cancelled before its count arrived', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['Never sent.'], thinking: { delayMs: 5_000, tokens: 4_000 } });
    const controller = new AbortController();
    const events: string[] = [];
    const answer = h.chat(
      headers,
      { message: 'Think, then I leave.' },
      {
        signal: controller.signal,
        onEvent: (event) => events.push(typeof event.data.state === 'string' ? event.data.state : event.event),
      },
    );
    await eventually(async () => (events.includes('thinking') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    controller.abort();
    const done = await answer;
    await h.fake.waitForEnd(index);
    const requestId = String(done.events[0]!.data.requestId);
    const row = await eventually(() => usageRow(h, requestId));
    expect(row.status).toBe('cancelled');
    // About one second of thinking at the low estimate of 40 tokens a second, not the placeholder 1.
    expect(row.output_tokens).toBeGreaterThanOrEqual(35);
    expect(row.output_tokens).toBeLessThan(200);
  });

  it('handles a redacted_thinking block like any other thinking', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['Fine.'], thinking: { redacted: true } });
    const result = await h.chat(headers, { message: 'And now?' });
    expect(names(result.events).slice(2, 4)).toEqual(['status:thinking', 'status:writing']);
    expect(result.text()).toBe('Fine.');
  });

  it('a cut-short answer ends with stopReason max_tokens and keeps its text; "Continue" picks it up', async () => {
    const { headers } = await h.trader();
    const long = Array.from({ length: 80 }, (_, i) => `Point ${i} about the 2-1-2 and its trigger. `.repeat(10));
    h.fake.script({ chunks: long, thinking: { tokens: 4_000 } });
    const first = await h.chat(headers, { message: 'Explain everything.' });
    const complete = first.events.at(-1)!;
    expect(complete.event).toBe('stream_complete');
    expect(complete.data).toMatchObject({ stopReason: 'max_tokens', usage: { outputTokens: 8_192 } });
    const cut = first.text();
    expect(cut.length).toBeGreaterThan(1_000);
    expect(cut.length).toBeLessThan(long.join('').length);

    const conversationId = first.events[0]!.data.conversationId;
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['…and that is the target.'] });
    const next = await h.chat(headers, { message: 'Continue', conversationId });
    expect(next.events.at(-1)!.data).toMatchObject({ stopReason: 'end_turn' });
    expect(sentText(h.fake.requests[index]!.body.messages)).toEqual([
      ['user', 'Explain everything.'],
      ['assistant', cut],
      ['user', 'Continue'],
    ]);
    expect((await messagesOf(h, headers, conversationId)).map((message) => message.content)).toEqual([
      'Explain everything.',
      cut,
      'Continue',
      '…and that is the target.',
    ]);
  });

  it('near a free trader’s quota: the room left, effort low, then thinking off — not a cut answer', async () => {
    const { user, headers } = await h.trader();
    const periodStart = billingPeriodAt(user.periodStart, new Date()).start;
    // Two first questions: the second reads the coaching prompt from the cache, which measures it, so the
    // prompt is known to be shared and none of it is reserved.
    await h.chat(headers, { message: 'Warm the cache' });
    await h.chat(headers, { message: 'Warm the cache' });
    // What the server reserves for the input (an upper bound): the question at a token per byte, its framing.
    const input = async (question: string) => estimateTextTokens(question) + 24;
    const setUsed = (used: number) =>
      h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
        user.id,
        periodStart,
        used,
      ]);
    await setUsed(100_000 - 6_000 - (await input('Targets?')));
    const index = h.fake.requests.length;
    await h.chat(headers, { message: 'Targets?' });
    const near = h.fake.requests.at(-1)!.body;
    expect(near.max_tokens).toBe(6_000);
    expect(near).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });

    await setUsed(100_000 - 2_500 - (await input('Stop?')));
    await h.chat(headers, { message: 'Stop?' });
    const nearer = h.fake.requests.at(-1)!.body;
    expect(nearer.max_tokens).toBe(2_500);
    expect(nearer).toMatchObject({ thinking: { type: 'between_tools' }, output_config: { effort: 'low' } });
    expect(h.fake.requests.length).toBe(index + 2);
  });

  it('a refusal ends with stream_error refused; its partial text is dropped and the question leaves the context', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['First answer.'] });
    const first = await h.chat(headers, { message: 'Question one' });
    const conversationId = first.events[0]!.data.conversationId;
    h.fake.script({ chunks: ['Sure, here', ' is how…'], refusal: { afterChunks: 1, category: 'general_harms' } });
    const refused = await h.chat(headers, { message: 'Something off-limits', conversationId });
    expect(refused.events.at(-1)).toEqual({
      event: 'stream_error',
      data: {
        code: 'refused',
        message: 'The coach declined to answer this. Rephrase the question, or start a new conversation.',
        retryable: false,
      },
    });
    const row = await usageRow(h, String(refused.events[0]!.data.requestId));
    expect(row).toMatchObject({ status: 'error', error_code: 'refused' });
    expect(row!.output_tokens).toBeGreaterThan(0);

    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['Second answer.'] });
    await h.chat(headers, { message: 'Question two', conversationId });
    expect(sentText(h.fake.requests[index]!.body.messages)).toEqual([
      ['user', 'Question one'],
      ['assistant', 'First answer.'],
      ['user', 'Question two'],
    ]);
    // The trader's own record keeps the refused question; nothing of the refused answer was stored.
    expect((await messagesOf(h, headers, conversationId)).map((message) => message.content)).toEqual([
      'Question one',
      'First answer.',
      'Something off-limits',
      'Question two',
      'Second answer.',
    ]);
  });
});

describe('on a model with budgeted thinking that streams its thinking text (Claude Haiku 4.5)', () => {
  let h: ChatHarness;
  beforeAll(async () => {
    h = await startChatHarness(undefined, { COACH_MODEL: 'claude-haiku-4-5', COACH_EFFORT: 'high' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends a thinking budget and no effort; thinking text never reaches the answer, history or storage', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    h.fake.script({ chunks: ['A 2-2 ', 'reversal.'], thinking: { chunks: ['SECRET-REASONING ', 'about the 2D'] } });
    const result = await h.chat(headers, { message: 'What is this?' });
    expect(h.fake.requests[index]!.body).toMatchObject({
      model: 'claude-haiku-4-5',
      max_tokens: 8_192,
      thinking: { type: 'enabled', budget_tokens: 4_096 },
    });
    expect(h.fake.requests[index]!.body.output_config).toBeUndefined();
    expect(h.fake.requests[index]!.thinking).toBe('thinking');
    expect(result.text()).toBe('A 2-2 reversal.');
    expect(JSON.stringify(result.events)).not.toContain('SECRET');
    const { rows } = await h.database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE content LIKE '%SECRET%'`,
    );
    expect(rows[0]!.n).toBe(0);
  });
});

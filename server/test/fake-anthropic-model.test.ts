// The fake upstream behaves as each model does, per the provider's docs, read through the real SDK: Claude 5
// models think before answering (thinking counted in output_tokens, capped with the text by max_tokens),
// refusals end with stop_details, model-specific parameters are refused with 400, and the prompt cache
// follows each model's minimum and reads the longest prefix a breakpoint (or 20 blocks before it) finds.
import Anthropic, { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { retiredModel } from './support/fake-anthropic-model.js';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic.js';

let fake: FakeAnthropic;
let client: Anthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const ask = (overrides: Partial<MessageCreateParamsNonStreaming> = {}): MessageCreateParamsNonStreaming => ({
  model: 'claude-sonnet-5-5',
  max_tokens: 4_096,
  messages: [{ role: 'user', content: 'Number the last bars.' }],
  ...overrides,
});

async function events(params: MessageCreateParamsNonStreaming): Promise<RawMessageStreamEvent[]> {
  const seen: RawMessageStreamEvent[] = [];
  for await (const event of await client.messages.create({ ...params, stream: true })) seen.push(event);
  return seen;
}

const shape = (seen: RawMessageStreamEvent[]): string[] =>
  seen.map((event) =>
    event.type === 'content_block_start'
      ? `start:${event.content_block.type}`
      : event.type === 'content_block_delta'
        ? event.delta.type
        : event.type,
  );

describe('thinking, as the Claude 5 models do it', () => {
  it('Sonnet 5.5 thinks before its text by default; the block is omitted text plus a signature', async () => {
    fake.script({ chunks: ['A 2-1-2 ', 'up.'], thinking: { tokens: 300 } });
    const seen = await events(ask());
    expect(shape(seen)).toEqual([
      'message_start',
      'start:thinking',
      'signature_delta',
      'content_block_stop',
      'start:text',
      'text_delta',
      'text_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const delta = seen.find((event) => event.type === 'message_delta');
    // Thinking counts in output_tokens: 300 of thinking + 3 of text (11 characters).
    expect(delta?.type === 'message_delta' && delta.usage.output_tokens).toBe(303);
    expect(fake.requests[0]).toMatchObject({ thinking: 'thinking', stopReason: 'end_turn' });
  });

  it('streams summarized thinking when asked, and a model that thinks only when asked stays silent otherwise', async () => {
    fake.script({ thinking: { chunks: ['The 1 ', 'held.'] } });
    const message = await client.messages.create(ask({ thinking: { type: 'adaptive', display: 'summarized' } }));
    expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: 'The 1 held.' });
    expect(message.content[1]).toMatchObject({ type: 'text' });

    const plain = await client.messages.create(ask({ model: 'claude-sonnet-4-6' }));
    expect(plain.content.map((block) => block.type)).toEqual(['text']);
  });

  it('sends a redacted_thinking block when scripted', async () => {
    fake.script({ thinking: { redacted: true } });
    expect(shape(await events(ask())).slice(1, 3)).toEqual(['start:redacted_thinking', 'content_block_stop']);
  });

  it('max_tokens caps thinking and text together: the answer is cut short, or never starts', async () => {
    fake.script({ chunks: ['x'.repeat(400), 'y'.repeat(400)], thinking: { tokens: 1_000 } });
    const cut = await client.messages.create(ask({ max_tokens: 1_100 }));
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(1_100);
    expect(cut.content.at(-1)).toMatchObject({ type: 'text', text: 'x'.repeat(400) });

    fake.script({ thinking: { tokens: 2_000 } });
    const empty = await client.messages.create(ask({ max_tokens: 1_500 }));
    expect(empty.stop_reason).toBe('max_tokens');
    expect(empty.content.map((block) => block.type)).toEqual(['thinking']);
  });

  it('thinks less at a lower effort', async () => {
    const low = await client.messages.create(ask({ output_config: { effort: 'low' }, thinking: { type: 'adaptive' } }));
    const high = await client.messages.create(
      ask({ output_config: { effort: 'high' }, thinking: { type: 'adaptive' } }),
    );
    expect(low.usage.output_tokens).toBeLessThan(high.usage.output_tokens);
  });
});

describe('refusals', () => {
  it('end with stop_reason refusal and its stop_details, after any partial text', async () => {
    fake.script({
      chunks: ['Here is ', 'how to ', 'never mind'],
      refusal: { afterChunks: 1, category: 'general_harms' },
    });
    const seen = await events(ask());
    const texts = seen.flatMap((event) =>
      event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? [event.delta.text] : [],
    );
    expect(texts).toEqual(['Here is ']);
    const delta = seen.find((event) => event.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.delta).toMatchObject({
      stop_reason: 'refusal',
      stop_details: { type: 'refusal', category: 'general_harms', explanation: null },
    });
  });
});

describe('parameters each model refuses, like the API', () => {
  it.each([
    [{ thinking: { type: 'disabled' } }, /thinking.type.disabled is not supported/],
    [{ thinking: { type: 'enabled', budget_tokens: 2_048 } }, /enabled is not supported/],
    [{ thinking: { type: 'between_tools' }, output_config: { effort: 'max' } }, /effort high or lower/],
    [{ model: 'claude-sonnet-4-6', output_config: { effort: 'xhigh' } }, /xhigh\W+ is not supported/],
    [{ model: 'claude-haiku-4-5', output_config: { effort: 'low' } }, /does not support the effort/],
    [{ model: 'claude-haiku-4-5', thinking: { type: 'enabled', budget_tokens: 4_096 } }, /greater than/],
  ] as const)('%o is a 400', async (overrides, message) => {
    const failure = await client.messages
      .create(ask(overrides as Partial<MessageCreateParamsNonStreaming>))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BadRequestError);
    expect((failure as BadRequestError).message).toMatch(message);
  });

  it('accepts the ways each model does take', async () => {
    await client.messages.create(ask({ thinking: { type: 'between_tools' }, output_config: { effort: 'low' } }));
    await client.messages.create(ask({ model: 'claude-opus-4-8', thinking: { type: 'disabled' } }));
    await client.messages.create(
      ask({ model: 'claude-haiku-4-5', max_tokens: 8_192, thinking: { type: 'enabled', budget_tokens: 4_096 } }),
    );
    expect(fake.requests.map((request) => request.thinking)).toEqual(['none', 'none', 'thinking']);
  });
});

describe('a retired model, like the API', () => {
  it('is refused with 404 not_found_error from its retirement day, 00:00 UTC, to count_tokens too', async () => {
    // claude-sonnet-4-5 retired on 2026-11-30 (models.ts).
    expect(retiredModel('claude-sonnet-4-5', new Date('2026-11-29T23:59:59Z'))).toBeUndefined();
    expect(retiredModel('claude-sonnet-4-5', new Date('2026-11-30T00:00:00Z'))).toBe('model: claude-sonnet-4-5');
    expect(retiredModel('claude-sonnet-5-5', new Date('2030-01-01T00:00:00Z'))).toBeUndefined();

    const failure = await client.messages.create(ask({ model: 'claude-sonnet-4-5' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as NotFoundError).error).toMatchObject({ error: { type: 'not_found_error' } });
    const counting = await client.messages
      .countTokens({ model: 'claude-sonnet-4-5', messages: ask().messages })
      .catch((error: unknown) => error);
    expect(counting).toBeInstanceOf(NotFoundError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('the prompt cache', () => {
  const system = (text: string) => [{ type: 'text' as const, text, cache_control: { type: 'ephemeral' as const } }];
  const breakpoint = (text: string) => ({ type: 'text' as const, text, cache_control: { type: 'ephemeral' as const } });

  it("follows each model's minimum: 512 tokens for Sonnet 5.5, 1,024 for Sonnet 5", async () => {
    const prompt = system('Strat rules. '.repeat(240)); // about 780 tokens
    await client.messages.create(ask({ system: prompt }));
    await client.messages.create(ask({ model: 'claude-sonnet-5', system: prompt }));
    expect(fake.requests.map((request) => request.cache)).toEqual(['write', 'none']);
  });

  it('a follow-up reads the whole earlier turn, found by looking back from its own breakpoint', async () => {
    const first: MessageParam[] = [{ role: 'user', content: [breakpoint('Question one. '.repeat(100))] }];
    const turn1 = await client.messages.create(ask({ system: system('Rules. '.repeat(300)), messages: first }));
    const followUp: MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'Question one. '.repeat(100) }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Answer one.' }] },
      { role: 'user', content: [breakpoint('And the target?')] },
    ];
    const turn2 = await client.messages.create(ask({ system: system('Rules. '.repeat(300)), messages: followUp }));
    const turn1Cached = turn1.usage.cache_creation_input_tokens ?? 0;
    expect(turn2.usage.cache_read_input_tokens).toBe(turn1Cached);
    expect(turn2.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(turn2.usage.input_tokens).toBe(0);
  });

  it('a change of thinking settings misses the conversation but still reads the system prompt', async () => {
    const messages: MessageParam[] = [{ role: 'user', content: [breakpoint('Question. '.repeat(100))] }];
    const params = ask({ system: system('Rules. '.repeat(300)), messages });
    const first = await client.messages.create(params);
    const other = await client.messages.create({ ...params, output_config: { effort: 'low' } });
    expect(other.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(other.usage.cache_read_input_tokens).toBeLessThan(first.usage.cache_creation_input_tokens ?? 0);
  });

  it('refuses more than four breakpoints', async () => {
    const many: MessageParam[] = [{ role: 'user', content: [1, 2, 3, 4, 5].map((n) => breakpoint(`part ${n}`)) }];
    await expect(client.messages.create(ask({ messages: many }))).rejects.toBeInstanceOf(BadRequestError);
  });
});

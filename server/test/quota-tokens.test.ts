// What a call counts against the trader's quota when the conversation is cached: everything new once (uncached
// input, cache writes, output), nothing read back from the cache, and never the shared coaching prompt — whose
// size is learned from the model's own counts.
import { describe, expect, it } from 'vitest';
import { sharedPromptSize } from '../src/services/shared-prompt.js';
import { quotaTokensOf } from '../src/services/usage-summary.js';

const usage = (input: number, write: number, read: number, output: number) => ({
  inputTokens: input,
  cacheWriteTokens: write,
  cacheReadTokens: read,
  outputTokens: output,
});

describe('quotaTokensOf', () => {
  it('a cold call wrote the coaching prompt for everyone: only the rest of the write is the trader’s', () => {
    expect(quotaTokensOf(usage(0, 3_400 + 1_200, 0, 300), 3_400)).toBe(1_200 + 300);
  });

  it('a warm call read the prompt (and maybe earlier turns): its whole write is the trader’s, reads are free', () => {
    expect(quotaTokensOf(usage(0, 450, 5_000, 300), 3_400)).toBe(450 + 300);
    expect(quotaTokensOf(usage(1_234, 0, 2_000, 56), 3_400)).toBe(1_234 + 56);
  });

  it('never counts less than the output', () => {
    expect(quotaTokensOf(usage(0, 100, 0, 80), 3_400)).toBe(80);
  });
});

describe('sharedPromptSize', () => {
  it('starts from the estimate and learns the least read of a first question', () => {
    const size = sharedPromptSize(3_000);
    expect(size.tokens()).toBe(3_000);
    size.observe({ cacheReadTokens: 3_612 }, true); // earlier turns: the read is more than the prompt
    expect(size.tokens()).toBe(3_000);
    size.observe({ cacheReadTokens: 3_700 }, false); // a repeated first question, cached whole
    size.observe({ cacheReadTokens: 3_412 }, false);
    size.observe({ cacheReadTokens: 0 }, false);
    expect(size.tokens()).toBe(3_412);
  });
});

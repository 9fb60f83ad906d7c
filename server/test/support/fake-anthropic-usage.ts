// What the fake bills: token estimates that stand in for the real tokenizer, and the prompt-cache simulation
// (a system prefix marked with `cache_control` is written once, then read while it lives).
import { performance } from 'node:perf_hooks';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import type { FakeUsage } from './fake-anthropic-protocol.js';

/** Images are billed by their pixels (≈ w × h / 750); a screen capture scaled to the API's limit is near this. */
export const IMAGE_TOKENS = 1_600;

/** Roughly four characters a token for English prose and Markdown: close enough for quotas and caching rules. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const textOf = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

function contentTokens(content: unknown): number {
  if (!Array.isArray(content)) return estimateTokens(textOf(content));
  let tokens = 0;
  for (const block of content as unknown[]) {
    const fields = (typeof block === 'object' && block !== null ? block : {}) as Record<string, unknown>;
    if (fields.type === 'image') tokens += IMAGE_TOKENS;
    else tokens += estimateTokens(fields.type === 'text' ? textOf(fields.text) : textOf(block));
  }
  return tokens;
}

/** The prompt split the way prompt caching sees it: the system prefix up to the last `cache_control`, and the rest. */
export interface PromptEstimate {
  /** Empty when nothing is marked for caching. */
  cachedPrefix: string;
  cachedPrefixTokens: number;
  uncachedTokens: number;
}

export function estimatePrompt(body: MessageCreateParamsBase): PromptEstimate {
  const system = body.system;
  const blocks = typeof system === 'string' ? [{ text: system }] : (system ?? []);
  const lastMarked = blocks.findLastIndex((block) => 'cache_control' in block && block.cache_control != null);
  const cachedPrefix = blocks
    .slice(0, lastMarked + 1)
    .map((block) => block.text)
    .join('\n');
  const rest = blocks
    .slice(lastMarked + 1)
    .map((block) => block.text)
    .join('\n');
  const messageTokens = body.messages.reduce((sum, entry) => sum + 4 + contentTokens(entry.content), 0);
  return {
    cachedPrefix,
    cachedPrefixTokens: estimateTokens(cachedPrefix),
    uncachedTokens: estimateTokens(rest) + messageTokens,
  };
}

export interface BilledPrompt {
  cache: 'write' | 'read' | 'none';
  usage: FakeUsage;
}

export class PromptCache {
  /** Cache key (model + prefix) -> expiry on the performance clock. */
  #entries = new Map<string, number>();

  constructor(
    private readonly minCacheableTokens: number,
    private readonly ttlMs: number,
  ) {}

  /** Bills a request the way the API does at `message_start`; a prefix below the minimum is not cached. */
  bill(body: MessageCreateParamsBase, answer: string, scripted: Partial<FakeUsage> = {}): BilledPrompt {
    const prompt = estimatePrompt(body);
    let cache: BilledPrompt['cache'] = 'none';
    let inputTokens = prompt.uncachedTokens;
    let cacheCreationInputTokens = 0;
    let cacheReadInputTokens = 0;
    if (prompt.cachedPrefix !== '' && prompt.cachedPrefixTokens >= this.minCacheableTokens) {
      const key = `${body.model}\u0000${prompt.cachedPrefix}`;
      const now = performance.now();
      cache = (this.#entries.get(key) ?? 0) > now ? 'read' : 'write';
      if (cache === 'read') cacheReadInputTokens = prompt.cachedPrefixTokens;
      else cacheCreationInputTokens = prompt.cachedPrefixTokens;
      // A read refreshes the entry's lifetime, as the API's does.
      this.#entries.set(key, now + this.ttlMs);
    } else {
      inputTokens += prompt.cachedPrefixTokens;
    }
    return {
      cache,
      usage: {
        inputTokens: scripted.inputTokens ?? inputTokens,
        cacheCreationInputTokens: scripted.cacheCreationInputTokens ?? cacheCreationInputTokens,
        cacheReadInputTokens: scripted.cacheReadInputTokens ?? cacheReadInputTokens,
        outputTokens: scripted.outputTokens ?? Math.max(1, estimateTokens(answer)),
      },
    };
  }

  clear(): void {
    this.#entries.clear();
  }
}

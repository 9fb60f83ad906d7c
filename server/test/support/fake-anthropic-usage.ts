// What the fake bills: token estimates that stand in for the real tokenizer, and the prompt cache as the docs
// describe it — a prefix is cached at each `cache_control` breakpoint (when it reaches the model's minimum),
// and a later request reads the longest cached prefix found at a breakpoint or up to 20 blocks before it.
// Keys are the exact blocks in order (system, then messages), without their cache_control markers; a change
// of thinking or effort settings misses the messages' cache but keeps the system prompt's.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import { imageSize } from 'image-size';
import type { FakeUsage } from './fake-anthropic-protocol.js';

/** A screen capture the fake cannot measure is billed as the largest image the API keeps (1568 × 1568). */
export const IMAGE_TOKENS = 3_278;
const MAX_LONG_EDGE_PX = 1_568;
/** The API checks at most this many block positions per breakpoint, the breakpoint itself included. */
export const LOOKBACK_BLOCKS = 20;

/** Roughly four characters a token for English prose and Markdown: close enough for quotas and caching rules. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/** How the fake counts a text's tokens; a test can swap in a harsher tokenizer (fake.setTokenizer). */
export type Tokenizer = (text: string) => number;

/** Images are billed by their pixels: width × height / 750, after scaling the long edge down to 1568. */
function imageTokens(data: unknown): number {
  try {
    const { width, height } = imageSize(Buffer.from(String(data), 'base64'));
    if (!width || !height) return IMAGE_TOKENS;
    const scale = Math.min(1, MAX_LONG_EDGE_PX / Math.max(width, height));
    return Math.ceil((Math.round(width * scale) * Math.round(height * scale)) / 750);
  } catch {
    return IMAGE_TOKENS;
  }
}

interface PromptBlock {
  /** This block's identity (its content without cache_control) and its place in the conversation. */
  key: string;
  tokens: number;
  breakpoint: boolean;
}

const withoutCacheControl = (block: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(block).filter(([field]) => field !== 'cache_control'));

function blockTokens(block: Record<string, unknown>, tokenize: Tokenizer): number {
  if (block.type === 'image') return imageTokens((block.source as { data?: unknown } | undefined)?.data);
  return tokenize(typeof block.text === 'string' ? block.text : JSON.stringify(block));
}

/** The prompt as the cache sees it: system blocks, then each message's blocks (a string is one text block). */
export function promptBlocks(body: MessageCreateParamsBase, tokenize: Tokenizer = estimateTokens): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const block of system as unknown as Array<Record<string, unknown>>) {
    blocks.push({
      key: JSON.stringify(['system', withoutCacheControl(block)]),
      tokens: blockTokens(block, tokenize),
      breakpoint: block.cache_control != null,
    });
  }
  const settings = JSON.stringify({ thinking: body.thinking ?? null, effort: body.output_config?.effort ?? null });
  body.messages.forEach((message, index) => {
    const content: Array<Record<string, unknown>> =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : (message.content as unknown as Array<Record<string, unknown>>);
    content.forEach((block, position) => {
      blocks.push({
        // The settings sit in every message key: changing them misses everything after the system prompt.
        key: JSON.stringify([settings, index, message.role, position, withoutCacheControl(block)]),
        tokens: blockTokens(block, tokenize) + (position === 0 ? 4 : 0),
        breakpoint: block.cache_control != null,
      });
    });
  });
  return blocks;
}

export interface BilledPrompt {
  cache: 'write' | 'read' | 'none';
  usage: FakeUsage;
}

export class PromptCache {
  /** Cache key (model + prefix hash) -> expiry on the performance clock. */
  #entries = new Map<string, number>();

  constructor(
    /** The model's minimum cacheable prefix; the default minimum applies when it returns undefined. */
    private readonly minCacheableTokens: (model: string) => number,
    private readonly ttlMs: number,
  ) {}

  /** Bills a request the way the API does at `message_start`. */
  bill(
    body: MessageCreateParamsBase,
    outputTokens: number,
    scripted: Partial<FakeUsage> = {},
    tokenize: Tokenizer = estimateTokens,
  ): BilledPrompt {
    const blocks = promptBlocks(body, tokenize);
    const minimum = this.minCacheableTokens(body.model);
    const now = performance.now();
    // prefix[i]: the key of blocks 0..i; tokensThrough[i]: their tokens.
    const prefix: string[] = [];
    const tokensThrough: number[] = [];
    let hash = createHash('sha256').update(body.model);
    let total = 0;
    for (const block of blocks) {
      hash = hash.copy().update(block.key);
      prefix.push(hash.copy().digest('hex'));
      total += block.tokens;
      tokensThrough.push(total);
    }
    const breakpoints = blocks.flatMap((block, index) => (block.breakpoint ? [index] : []));

    // The longest prefix already cached, looking back from each breakpoint.
    let hit = -1;
    for (const breakpoint of breakpoints) {
      for (let at = breakpoint; at > breakpoint - LOOKBACK_BLOCKS && at > hit; at -= 1) {
        if ((this.#entries.get(prefix[at] as string) ?? 0) > now) {
          hit = at;
          break;
        }
      }
    }
    const readTokens = hit >= 0 ? (tokensThrough[hit] as number) : 0;
    if (hit >= 0) this.#entries.set(prefix[hit] as string, now + this.ttlMs);
    // Each later breakpoint whose prefix reaches the minimum is written; the last one bounds the cached part.
    let cachedThrough = readTokens;
    for (const breakpoint of breakpoints) {
      const tokens = tokensThrough[breakpoint] as number;
      if (breakpoint <= hit || tokens < minimum) continue;
      this.#entries.set(prefix[breakpoint] as string, now + this.ttlMs);
      cachedThrough = Math.max(cachedThrough, tokens);
    }
    const writeTokens = cachedThrough - readTokens;
    return {
      cache: readTokens > 0 ? 'read' : writeTokens > 0 ? 'write' : 'none',
      usage: {
        inputTokens: scripted.inputTokens ?? total - cachedThrough,
        cacheCreationInputTokens: scripted.cacheCreationInputTokens ?? writeTokens,
        cacheReadInputTokens: scripted.cacheReadInputTokens ?? readTokens,
        outputTokens: scripted.outputTokens ?? outputTokens,
      },
    };
  }

  clear(): void {
    this.#entries.clear();
  }
}

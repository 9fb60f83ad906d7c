// How many tokens the shared coaching prompt is, for the quota: a call that wrote it to the cache (for every
// trader) must not charge it to the one who happened to ask first. It starts from an estimate and learns the
// exact figure from the model: a question with no earlier turns that reads from the cache reads exactly the
// coaching prompt (its first breakpoint), unless the very same first question was cached too — hence the least
// such read seen.

export interface SharedPromptSize {
  tokens(): number;
  /** True once a call has measured it (until then, tokens() is an estimate). */
  measured(): boolean;
  /** Learns from a finished call; `hadHistory`: the request carried earlier turns of a conversation. */
  observe(usage: { cacheReadTokens: number }, hadHistory: boolean): void;
}

export function sharedPromptSize(estimate: number): SharedPromptSize {
  let measured: number | null = null;
  return {
    tokens: () => measured ?? estimate,
    measured: () => measured !== null,
    observe(usage, hadHistory) {
      if (hadHistory || usage.cacheReadTokens <= 0) return;
      measured = Math.min(measured ?? Number.POSITIVE_INFINITY, usage.cacheReadTokens);
    },
  };
}

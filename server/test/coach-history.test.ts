// The history window: within its budget, starting with a question, and stable — from one turn to the next it
// keeps its start (so the request's prefix is the previous request's, read from the cache) until it must jump.
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../src/db/repositories/conversations.js';
import { estimateCharsTokens, windowStart } from '../src/services/coach-history.js';

const entry = (index: number, chars: number, refused = false): HistoryEntry => ({
  id: `m${index}`,
  seq: index,
  role: index % 2 === 0 ? 'user' : 'assistant',
  chars,
  charts: 0,
  refused,
});

describe('windowStart', () => {
  it('keeps everything while it fits', () => {
    expect(windowStart([entry(0, 300), entry(1, 900), entry(2, 300)])).toBe(0);
  });

  it('moves only in jumps as the conversation grows, always to a question, always within budget', () => {
    const entries: HistoryEntry[] = [];
    const starts: number[] = [];
    for (let index = 0; index < 200; index += 1) {
      entries.push(entry(index, index % 2 === 0 ? 200 + (index % 7) * 40 : 1_500 + (index % 5) * 300));
      const start = windowStart(entries);
      starts.push(start);
      const window = entries.slice(start);
      expect(window[0]!.role).toBe('user');
      expect(window.length).toBeLessThanOrEqual(20);
      const tokens = window.reduce((sum, item) => sum + estimateCharsTokens(item.chars), 0);
      expect(tokens).toBeLessThanOrEqual(8_000);
    }
    const jumps = starts.filter((start, index) => index > 0 && start !== starts[index - 1]).length;
    // 200 messages: the start changes on a small fraction of the turns.
    expect(jumps).toBeGreaterThan(5);
    expect(jumps).toBeLessThan(40);
    // A later message never changes where an earlier turn's window started.
    for (let index = 1; index < starts.length; index += 1)
      expect(starts[index]).toBeGreaterThanOrEqual(starts[index - 1]!);
  });

  it('starts at a question when the entries begin mid-conversation, at an answer (an anchor of the index)', () => {
    expect(windowStart([entry(1, 100), entry(2, 100), entry(3, 100), entry(4, 100)])).toBe(1);
  });

  it('leaves refused questions out of the budget', () => {
    const entries = [entry(0, 100), entry(1, 100), entry(2, 30_000, true), entry(3, 100)];
    expect(windowStart(entries)).toBe(0);
  });
});

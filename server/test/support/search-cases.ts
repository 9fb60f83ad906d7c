// One trader's history and what they search it for, as a trader would expect: the same cases run against the
// repository on PGlite (the unit lane) and through GET /conversations?q= on PostgreSQL (the integration lane).
import type { ConversationsRepository } from '../../src/db/repositories/conversations.js';

interface SeedConversation {
  key: string;
  title: string;
  messages: string[];
}

/** Oldest first: each is created, then its messages are added, so the last one is the most recently active. */
export const SEARCH_HISTORY: readonly SeedConversation[] = [
  {
    key: 'spy212',
    title: 'Chart question',
    messages: ['Is this a 2-1-2 on SPY?', 'Yes: the 2-1-2 triggers above the inside bar’s high.'],
  },
  { key: 'qqq312', title: 'QQQ 3-1-2', messages: ['3-1-2 rev strat on QQQ 15m', 'Take it when the 1 breaks.'] },
  { key: 'enDash', title: 'Dashes', messages: ['A 2–1–2 here, typed with en dashes?'] },
  {
    key: 'hammer',
    title: 'Reversal',
    messages: [
      'Two inside bars, then a long lower wick at the low of the range on the daily chart of AAPL.',
      'That wick makes it one of the hammers Strat traders look for: wait for the next bar to break its high ' +
        'before you take it, with a stop under the wick.',
    ],
  },
  { key: 'outside', title: 'Red day', messages: ['The outside bar closed red'] },
  { key: 'labelled', title: 'SPY 60m · 5m — Is this a 2-1-2?', messages: ['Continuity?'] },
];

/** What each search finds, newest first (the reverse of SEARCH_HISTORY's order). */
export const SEARCHES: readonly { q: string; finds: string[] }[] = [
  { q: 'SPY', finds: ['labelled', 'spy212'] },
  { q: 'spy', finds: ['labelled', 'spy212'] },
  { q: '2-1-2', finds: ['labelled', 'enDash', 'spy212'] },
  { q: '3-1-2', finds: ['qqq312'] },
  { q: 'hammer', finds: ['hammer'] },
  { q: 'hammers', finds: ['hammer'] },
  { q: 'inside bar', finds: ['hammer', 'spy212'] },
  { q: '"inside bar"', finds: ['hammer', 'spy212'] },
  { q: 'outside bar', finds: ['outside'] },
  { q: 'hammers wick', finds: ['hammer'] },
  { q: 'inside -wick', finds: ['spy212'] },
  { q: 'QQQ or SPY', finds: ['labelled', 'qqq312', 'spy212'] },
  { q: 'doji', finds: [] },
  { q: '!!!', finds: [] },
];

/** Writes SEARCH_HISTORY for the user; returns each conversation's id by its key. */
export async function seedSearchHistory(
  conversations: ConversationsRepository,
  userId: string,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const seed of SEARCH_HISTORY) {
    const conversation = await conversations.create(userId, seed.title);
    for (const [index, content] of seed.messages.entries()) {
      await conversations.addMessage(conversation.id, { role: index % 2 === 0 ? 'user' : 'assistant', content });
    }
    ids[seed.key] = conversation.id;
  }
  return ids;
}

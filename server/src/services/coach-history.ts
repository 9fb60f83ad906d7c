// Which earlier messages the model sees, chosen so the request's prefix stays the same from one turn to the
// next (and so reads from the prompt cache): the window's start only moves in jumps, when the window outgrows
// its budget, and then far enough that the next turns fit again. Computed from sizes alone (no message text),
// and not from the whole conversation: the replay starts at the history index's anchor (historyIndex), which
// moves once every HISTORY_ANCHOR_EVERY messages. Between moves the replay only grows at its end, so the start
// keeps its jumps-only property; when the anchor moves the start may move once more (one cache write).
import type { HistoryEntry } from '../db/repositories/conversations.js';

/** Estimated tokens of earlier text the window may hold, and how many messages. */
export const HISTORY_TOKEN_BUDGET = 8_000;
export const HISTORY_MAX_MESSAGES = 20;

/**
 * An upper bound of a text's tokens, for quota reservations: one token per UTF-8 byte (a token is at least one
 * byte, whatever the script — length / 3 let an emoji-heavy question overshoot the quota), plus framing.
 */
export const estimateTextTokens = (text: string): number => Buffer.byteLength(text, 'utf8') + 8;
export const estimateCharsTokens = (chars: number): number => Math.ceil(chars / 3) + 8;

/** Output tokens of text the model produced, when the final count never arrived (about 4 characters a token). */
export const estimateOutputTokens = (text: string): number => Math.ceil(text.length / 4);

/** The messages the model reads: refused questions leave its context (their answers were never kept). */
const counted = (entry: HistoryEntry): boolean => !entry.refused;

/**
 * The index of the first message in the window. Replays the entries in order from their first question (they
 * may begin mid-conversation, at an anchor): when a message takes the window past its budget (tokens or
 * count), the start jumps forward until half the budget is used, to the next question. Earlier turns never
 * change the outcome of later ones, so the start is stable between jumps.
 */
export function windowStart(
  entries: readonly HistoryEntry[],
  budget: number = HISTORY_TOKEN_BUDGET,
  maxMessages: number = HISTORY_MAX_MESSAGES,
): number {
  const cost = (entry: HistoryEntry): number => (counted(entry) ? estimateCharsTokens(entry.chars) : 0);
  const firstQuestion = entries.findIndex((entry) => entry.role === 'user');
  if (firstQuestion < 0) return entries.length;
  let start = firstQuestion;
  let tokens = 0;
  let messages = 0;
  for (let index = firstQuestion; index < entries.length; index += 1) {
    const entry = entries[index] as HistoryEntry;
    tokens += cost(entry);
    messages += counted(entry) ? 1 : 0;
    if (tokens <= budget && messages <= maxMessages) continue;
    // Jump: drop the oldest until half of each budget is free, then on to a question (the API starts with one).
    while (start < index && (tokens > budget / 2 || messages > maxMessages / 2)) {
      const dropped = entries[start] as HistoryEntry;
      tokens -= cost(dropped);
      messages -= counted(dropped) ? 1 : 0;
      start += 1;
    }
    while (start < index && (entries[start] as HistoryEntry).role !== 'user') {
      const dropped = entries[start] as HistoryEntry;
      tokens -= cost(dropped);
      messages -= counted(dropped) ? 1 : 0;
      start += 1;
    }
  }
  return start;
}

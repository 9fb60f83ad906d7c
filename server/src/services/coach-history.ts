// The conversation's earlier turns for the model: the newest messages that fit a token budget, in
// order, shaped into the alternating user/assistant turns the Messages API expects.
import type { Message } from '../db/repositories/conversations.js';

export const HISTORY_TOKEN_BUDGET = 8_000;
export const HISTORY_MAX_MESSAGES = 20;

/** Deliberately high (about 3 characters a token, plus framing) so quota reservations are upper bounds. */
export const estimateTextTokens = (text: string): number => Math.ceil(text.length / 3) + 8;

/** Output tokens of text the model produced, when the final count never arrived (about 4 characters a token). */
export const estimateOutputTokens = (text: string): number => Math.ceil(text.length / 4);

export interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

const imageNote = (count: number) =>
  `[The trader attached ${count} chart image${count === 1 ? '' : 's'} here; the image is no longer available.]`;

const turnText = (message: Message): string =>
  message.images.length > 0 ? `${imageNote(message.images.length)}\n${message.content}` : message.content;

/** Newest first until the budget or the count runs out; returned oldest first. */
export function selectHistory(
  messages: readonly Message[],
  budget: number = HISTORY_TOKEN_BUDGET,
  maxMessages: number = HISTORY_MAX_MESSAGES,
): { turns: Turn[]; tokens: number } {
  const picked: Turn[] = [];
  let tokens = 0;
  for (let index = messages.length - 1; index >= 0 && picked.length < maxMessages; index -= 1) {
    const message = messages[index] as Message;
    const text = turnText(message);
    const cost = estimateTextTokens(text);
    if (tokens + cost > budget) break;
    tokens += cost;
    picked.push({ role: message.role, text });
  }
  picked.reverse();
  // The Messages API starts with a user turn; an orphaned leading answer is dropped.
  while (picked[0]?.role === 'assistant') {
    const dropped = picked.shift() as Turn;
    tokens -= estimateTextTokens(dropped.text);
  }
  return { turns: mergeConsecutive(picked), tokens };
}

/** A question whose answer failed leaves two user turns in a row; the API wants them alternating. */
export function mergeConsecutive(turns: readonly Turn[]): Turn[] {
  const merged: Turn[] = [];
  for (const turn of turns) {
    const last = merged.at(-1);
    if (last && last.role === turn.role) last.text = `${last.text}\n\n${turn.text}`;
    else merged.push({ ...turn });
  }
  return merged;
}

/** "Is this 3-1-2 on SPY's 60 minute chart valid…" — the first line, at most 80 characters. */
export function titleFrom(question: string): string {
  const line = question.trim().split('\n')[0]?.replace(/\s+/g, ' ').trim() ?? '';
  if (line.length === 0) return 'Chart question';
  if (line.length <= 80) return line;
  const cut = line.slice(0, 79);
  const space = cut.lastIndexOf(' ');
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

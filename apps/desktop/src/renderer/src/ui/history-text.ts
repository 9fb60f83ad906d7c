// How the history panel words a conversation's time and marks the searched words in a snippet. Fixed locale,
// as in lib/format: the panel reads the same on every machine.

const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayThisYear = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });
const dayEarlier = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const full = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short' });

const sameDay = (a: Date, b: Date): boolean => a.toDateString() === b.toDateString();

/**
 * Always a day and a time, so two conversations with one title tell apart: "Today 14:05", "Yesterday 09:30",
 * "Mon 23 Nov 14:05" this year, "23 Nov 2025 14:05" before it.
 */
export function formatListedAt(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  const day = sameDay(at, now)
    ? 'Today'
    : sameDay(at, yesterday)
      ? 'Yesterday'
      : at.getFullYear() === now.getFullYear()
        ? dayThisYear.format(at).replace(',', '')
        : dayEarlier.format(at);
  return `${day} ${time.format(at)}`;
}

/** The whole date, for a tooltip: "Monday 23 November 2026 at 14:05". */
export const formatFullDate = (iso: string): string => full.format(new Date(iso));

/** The words of a search as the server reads them, without its operators ("or", -excluded, quotes). */
export function searchWords(query: string): string[] {
  return query
    .split(/\s+/)
    .map((word) => word.replace(/^["']+|["']+$/g, ''))
    .filter((word) => word !== '' && !word.startsWith('-') && word.toLowerCase() !== 'or');
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The snippet in parts, `match` where a searched word (or a longer word it starts: "hammer" in "hammers")
 * stands, so the panel can mark why the conversation was found.
 */
export function markWords(snippet: string, query: string): { text: string; match: boolean }[] {
  const words = searchWords(query);
  if (words.length === 0) return [{ text: snippet, match: false }];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(escapeRegExp).join('|')})[\\p{L}\\p{N}]*`, 'giu');
  const parts: { text: string; match: boolean }[] = [];
  let last = 0;
  for (const found of snippet.matchAll(pattern)) {
    const start = found.index;
    if (start > last) parts.push({ text: snippet.slice(last, start), match: false });
    parts.push({ text: found[0], match: true });
    last = start + found[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}

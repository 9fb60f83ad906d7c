// A new conversation's title: what its charts show, when the trader labelled them ("SPY 60m · 5m"), then the
// question's first line — "SPY 60m · 5m — Is this a 2-1-2?". History lists titles, so they lead with what a
// trader scans for: the symbol and the timeframes.
import { MAX_TITLE_CHARS } from '../contract/conversations.js';

/** The question's part, as it was before labels led titles. */
const MAX_QUESTION_CHARS = 80;
/** The labels' part: room is left for the question. */
const MAX_LABELS_CHARS = 48;
const SEPARATOR = ' — ';

const MINUTES: Record<string, number> = {
  s: 1 / 60,
  sec: 1 / 60,
  m: 1,
  min: 1,
  mins: 1,
  minute: 1,
  minutes: 1,
  h: 60,
  hr: 60,
  hour: 60,
  hours: 60,
  d: 1_440,
  day: 1_440,
  days: 1_440,
  w: 10_080,
  wk: 10_080,
  week: 10_080,
  weeks: 10_080,
  mo: 43_200,
  month: 43_200,
  months: 43_200,
  q: 129_600,
  y: 525_600,
  yr: 525_600,
  year: 525_600,
};
const WORDS: Record<string, number> = {
  hourly: 60,
  daily: 1_440,
  weekly: 10_080,
  monthly: 43_200,
  quarterly: 129_600,
  yearly: 525_600,
};

/**
 * A timeframe's length in minutes, or undefined when the word is not one: "5m", "60", "4H", "D", "1W",
 * "daily". A bare "M" (or "1M") is the month, as on a Strat trader's chart; "5M" is five minutes.
 */
export function timeframeMinutes(word: string): number | undefined {
  const lower = word.toLowerCase();
  if (WORDS[lower] !== undefined) return WORDS[lower];
  const match = /^(\d{1,4})?\s?([a-z]*)$/i.exec(word);
  if (!match || (!match[1] && !match[2])) return undefined;
  const count = match[1] ? Number(match[1]) : 1;
  const unit = match[2] ?? '';
  if (unit === 'M' && count === 1) return MINUTES.mo;
  if (unit === '') return count; // "60": minutes, as charting tools write them
  const minutes = MINUTES[unit.toLowerCase()];
  return minutes === undefined ? undefined : count * minutes;
}

interface SymbolCharts {
  symbol: string;
  timeframes: { text: string; minutes: number }[];
}

/** The labels by symbol, in the order given; each symbol's timeframes longest first ("60m · 5m"), once. */
function bySymbol(labels: readonly (string | null | undefined)[]): SymbolCharts[] {
  const groups: SymbolCharts[] = [];
  for (const raw of labels) {
    const label = raw?.replace(/\s+/g, ' ').trim();
    if (!label) continue;
    const words = label.split(' ');
    const last = words.at(-1) as string;
    const minutes = timeframeMinutes(last);
    const symbol = minutes === undefined ? label : words.slice(0, -1).join(' ');
    let group = groups.find((candidate) => candidate.symbol.toLowerCase() === symbol.toLowerCase());
    if (!group) groups.push((group = { symbol, timeframes: [] }));
    if (minutes === undefined) continue;
    if (group.timeframes.some((timeframe) => timeframe.text.toLowerCase() === last.toLowerCase())) continue;
    group.timeframes.push({ text: last, minutes });
  }
  for (const group of groups) {
    group.timeframes.sort((a, b) => b.minutes - a.minutes);
  }
  return groups;
}

/** "SPY 60m · 5m, QQQ D", as much of it as fits in MAX_LABELS_CHARS (whole timeframes and symbols only). */
function labelsPart(labels: readonly (string | null | undefined)[]): string {
  let part = '';
  for (const group of bySymbol(labels)) {
    const joiner = part ? ', ' : '';
    let text = group.symbol;
    for (const [index, timeframe] of group.timeframes.entries()) {
      const longer = index === 0 ? `${group.symbol} ${timeframe.text}`.trim() : `${text} · ${timeframe.text}`;
      if ((part + joiner + longer).length > MAX_LABELS_CHARS) break;
      text = longer;
    }
    // A symbol goes with at least one of its timeframes or not at all: alone it would misname its chart.
    const timeframeLeftOut = group.timeframes.length > 0 && text === group.symbol;
    if (!text || timeframeLeftOut || (part + joiner + text).length > MAX_LABELS_CHARS) break;
    part += joiner + text;
  }
  return part;
}

/** The question's first line, cut at a word when longer than `max` characters. */
function questionPart(question: string, max: number): string {
  const line = question.trim().split('\n')[0]?.replace(/\s+/g, ' ').trim() ?? '';
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * "SPY 60m · 5m — Is this a 2-1-2?": the charts' labels (symbol, then its timeframes, longest first), then the
 * question's first line; at most MAX_TITLE_CHARS. Without labels, the question alone (at most 80 characters);
 * without either, "Chart question".
 */
export function titleFor(question: string, chartLabels: readonly (string | null | undefined)[] = []): string {
  const labels = labelsPart(chartLabels);
  const room = Math.min(MAX_QUESTION_CHARS, MAX_TITLE_CHARS - labels.length - SEPARATOR.length);
  const asked = questionPart(question, labels ? room : MAX_QUESTION_CHARS);
  if (!labels) return asked || 'Chart question';
  if (!asked || asked.toLowerCase().startsWith(labels.toLowerCase())) return asked || labels;
  return `${labels}${SEPARATOR}${asked}`;
}

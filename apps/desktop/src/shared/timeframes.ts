// Chart labels ("SPY 60m", "ES D"): the server's label rule checked before sending, the timeframe read
// back out of a label, and charts put in Strat order (higher timeframe first) for continuity questions.
import { MAX_LABEL_CHARS } from '@strat-coach/server/contract';

export { MAX_LABEL_CHARS };

/** The timeframes a Strat trader flips through, higher to lower. */
export const TIMEFRAMES = ['M', 'W', 'D', '4h', '60', '30', '15', '5'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];
/** One of TIMEFRAMES, or the trader's own ("2h", "3m"); the intersection keeps the listed ones suggested. */
export type TimeframeText = Timeframe | (string & Record<never, never>);

export type LabelCheck = { ok: true; label: string } | { ok: false; message: string };

const HOUR = 60;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// A month is counted as 30 days: the figure only orders charts, it never measures time.
const MONTH = 30 * DAY;

/** The server refuses C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F) in a label. */
const isControl = (codePoint: number) => codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);

/** The server's label rule (1–40 characters after trimming, no control characters), in the trader's words. */
export function validateLabel(raw: string): LabelCheck {
  const label = raw.trim();
  if (label === '') {
    return { ok: false, message: 'Give the chart a label (a timeframe such as D or 60, and a symbol).' };
  }
  // Code points, not UTF-16 units: the server counts an emoji or a CJK symbol as one character.
  const characters = [...label];
  if (characters.some((character) => isControl(character.codePointAt(0) ?? 0))) {
    return { ok: false, message: 'A chart label cannot contain tabs, line breaks or other control characters.' };
  }
  if (characters.length > MAX_LABEL_CHARS) {
    return {
      ok: false,
      message: `A chart label can be at most ${MAX_LABEL_CHARS} characters; this one has ${characters.length}.`,
    };
  }
  return { ok: true, label };
}

/** "SPY 60m" for ('60', 'SPY'), "ES D", "4h" alone; a timeframe of the trader's own passes through. */
export function labelFor(timeframe: TimeframeText, symbol?: string): string {
  const frame = timeframe.trim();
  // Bare minute counts read as minutes only with their unit: "SPY 60" could be a price.
  const spelled = /^\d+$/.test(frame) ? `${frame}m` : frame;
  return [symbol?.trim() ?? '', spelled].filter((part) => part !== '').join(' ');
}

/** Units written after a number ("4h", "15 min", "2mo"), in minutes. */
const UNITS: Readonly<Record<string, number>> = {
  m: 1,
  min: 1,
  mins: 1,
  minute: 1,
  minutes: 1,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  day: DAY,
  days: DAY,
  w: WEEK,
  wk: WEEK,
  week: WEEK,
  weeks: WEEK,
  mo: MONTH,
  mos: MONTH,
  mon: MONTH,
  month: MONTH,
  months: MONTH,
  q: 3 * MONTH,
  y: 12 * MONTH,
  yr: 12 * MONTH,
  year: 12 * MONTH,
};

/** Words that are a timeframe on their own. Single letters are the usual shorthand (M, W, D, H, Q, Y). */
const WORDS: Readonly<Record<string, number>> = {
  m: MONTH,
  monthly: MONTH,
  month: MONTH,
  w: WEEK,
  weekly: WEEK,
  week: WEEK,
  d: DAY,
  daily: DAY,
  day: DAY,
  h: HOUR,
  hourly: HOUR,
  hour: HOUR,
  q: 3 * MONTH,
  quarterly: 3 * MONTH,
  y: 12 * MONTH,
  yearly: 12 * MONTH,
};

/** A bare number is minutes, as charting platforms write them (5, 60, 240), up to a day's worth. */
const MAX_BARE_MINUTES = DAY;

/** The minutes one word (with the word after it, for "15 min") stands for, and how many words it used. */
function readToken(token: string, next: string | undefined): { minutes: number | null; used: 1 | 2 } {
  const match = /^(\d{1,4})([a-z]*)$/i.exec(token);
  if (!match) return { minutes: WORDS[token.toLowerCase()] ?? null, used: 1 };
  const count = Number(match[1]);
  const unit = match[2] ?? '';
  if (count === 0) return { minutes: null, used: 1 };
  if (unit === '') {
    // "15 min", "4 hour": a spelled-out unit in the next word (single letters stay apart: "SPY 60 D").
    const spelled = next && next.length > 1 ? UNITS[next.toLowerCase()] : undefined;
    if (spelled !== undefined) return { minutes: count * spelled, used: 2 };
    return { minutes: count <= MAX_BARE_MINUTES ? count : null, used: 1 };
  }
  // "1M" is the month chart; any other number followed by m ("5m", "3M", "1m") is minutes.
  if (unit === 'M' && count === 1) return { minutes: MONTH, used: 1 };
  const perUnit = UNITS[unit.toLowerCase()];
  return { minutes: perUnit === undefined ? null : count * perUnit, used: 1 };
}

/**
 * The timeframe of a chart label in minutes ("SPY 60m" → 60, "ES D" → 1440), or null when there is none.
 * Symbols are words of letters (SPY, MSFT, BTCUSD) and never read as timeframes; when several words could
 * be one ("W D": Wayfair's daily chart), the last wins, since a label names the symbol before the timeframe.
 */
export function timeframeMinutes(label: string): number | null {
  const tokens = label.split(/[^A-Za-z0-9]+/).filter((token) => token !== '');
  let found: number | null = null;
  for (let index = 0; index < tokens.length;) {
    const { minutes, used } = readToken(tokens[index] ?? '', tokens[index + 1]);
    found = minutes ?? found;
    index += used;
  }
  return found;
}

/** Charts higher timeframe first (M, W, D, 4h, 60…), unknown or unlabelled last, otherwise in their order. */
export function orderByTimeframe<T>(items: T[], labelOf: (item: T) => string | null | undefined): T[] {
  const keyed = items.map((item, index) => {
    const label = labelOf(item);
    return { item, index, minutes: label ? timeframeMinutes(label) : null };
  });
  keyed.sort((a, b) => {
    if (a.minutes !== b.minutes) {
      if (a.minutes === null) return 1;
      if (b.minutes === null) return -1;
      return b.minutes - a.minutes;
    }
    return a.index - b.index;
  });
  return keyed.map(({ item }) => item);
}

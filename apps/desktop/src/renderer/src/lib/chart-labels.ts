// A chart's label as the composer edits it: a timeframe picked from the list a Strat trader flips through,
// and a symbol typed beside it ("SPY" + 60 → "SPY 60m"). A label that ends in none of the listed timeframes
// stays whole in the symbol box (a custom one such as "ES 2h" is typed there).
import { labelFor, TIMEFRAMES, type Timeframe } from '../shared';

/** The timeframe picker's choices: the value kept, the words shown. */
export const TIMEFRAME_CHOICES: ReadonlyArray<{ value: Timeframe; text: string }> = TIMEFRAMES.map((value) => ({
  value,
  text: /^\d+$/.test(value) ? `${value}m` : value,
}));

const byWord = new Map<string, Timeframe>(
  TIMEFRAME_CHOICES.flatMap(({ value, text }) => [
    [value.toLowerCase(), value],
    [text.toLowerCase(), value],
  ]),
);

export interface LabelParts {
  timeframe: Timeframe | '';
  symbol: string;
}

/** "SPY 60m" → { timeframe: '60', symbol: 'SPY' }; "ES 2h" → { timeframe: '', symbol: 'ES 2h' }. */
export function splitLabel(label: string | null): LabelParts {
  const words = (label ?? '').trim().split(/\s+/).filter(Boolean);
  const last = words.at(-1);
  // The month is "M" in capitals; "m" alone is not a timeframe anyone writes.
  const timeframe = last && (last === 'M' || last.toLowerCase() !== 'm') ? byWord.get(last.toLowerCase()) : undefined;
  if (!timeframe) return { timeframe: '', symbol: words.join(' ') };
  return { timeframe, symbol: words.slice(0, -1).join(' ') };
}

/** The label of the parts, or '' when both are empty. */
export const joinLabel = ({ timeframe, symbol }: LabelParts): string =>
  timeframe === '' ? symbol.trim() : labelFor(timeframe, symbol);

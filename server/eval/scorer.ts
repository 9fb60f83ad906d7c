// Scores one coaching answer against what its chart is known to show: bar numbers, combo, status, trigger,
// invented prices, the disclaimer, compliance red lines and wrong refusals. Pure: text in, verdicts out.
import type { StratLabel } from '../test/support/charts/index.js';
import { normalise, plain, readBars, sectionBody, sentencesOf, withoutQuotes, type Sentence } from './answer.js';
import {
  comboPattern,
  directionPattern,
  DISCLAIMER,
  FORBIDDEN,
  levelPattern,
  PRICE,
  REFUSAL,
  statusPattern,
  type ComboFamily,
  type Direction,
  type LevelRef,
  type SetupStatus,
} from './patterns.js';

export type { ComboFamily, Direction, LevelRef, SetupStatus } from './patterns.js';

/** What a right answer for a case contains; a criterion without its expectation is not applicable. */
export interface Expectations {
  /** The last closed bars and then the live bar, oldest first, as the Bars table should number them. */
  labels?: readonly StratLabel[];
  combo?: { family: ComboFamily; direction?: Direction };
  /** Any of these status words passes. */
  status?: readonly SetupStatus[];
  /** Every one of these levels must be named by its candle. */
  triggers?: readonly LevelRef[];
  /** The chart shows no price axis: any price in the answer was made up. */
  noPrices?: boolean;
  /** A setup is on the chart, so the answer must end with the disclaimer. */
  setupDiscussed: boolean;
  /** A limitation of the image the answer has to name (every pattern must match). */
  limitation?: { description: string; mentions: readonly RegExp[]; withoutNumbering?: boolean };
  /** False where declining is the right answer. Default true. */
  answerExpected?: boolean;
}

/** How the stream ended, as the eval saw it. */
export interface AnswerUnderTest {
  text: string;
  stopReason?: string | null;
  streamError?: { code: string; message: string } | null;
}

export const CRITERIA = [
  'barList',
  'combo',
  'status',
  'trigger',
  'noInventedPrices',
  'disclaimer',
  'forbidden',
  'wrongRefusal',
  'limitation',
] as const;
export type Criterion = (typeof CRITERIA)[number];

export interface CriterionResult {
  /** null: not applicable to this case. */
  pass: boolean | null;
  detail: string;
  /** Partial credit 0..1 where the criterion has degrees (the bar list). */
  score?: number;
}

export interface ScoreCard {
  criteria: Record<Criterion, CriterionResult>;
  passed: number;
  applicable: number;
  /** passed / applicable (1 when nothing applies). */
  total: number;
}

const notApplicable: CriterionResult = { pass: null, detail: 'not applicable' };
const BAR_LIST_PASS = 0.8;

function scoreBarList(text: string, expected: readonly StratLabel[]): CriterionResult {
  const reading = readBars(text);
  if (reading.source === 'none') return { pass: false, detail: 'no bar table and no inline sequence', score: 0 };
  const answer = reading.labels;
  let matches = 0;
  for (let back = 1; back <= expected.length; back += 1) {
    if (answer[answer.length - back] === expected[expected.length - back]) matches += 1;
  }
  const fraction = matches / expected.length;
  const shown = answer.slice(-expected.length).map((label) => label ?? '(none)');
  const compared = `${matches}/${expected.length}: answer ${shown.join(' ')} vs expected ${expected.join(' ')}`;
  if (reading.source === 'inline') {
    // The table is what the trader (and the app) reads; a sequence in prose earns half and never passes.
    return { pass: false, detail: `no bar table; inline sequence ${compared}`, score: fraction / 2 };
  }
  return { pass: fraction >= BAR_LIST_PASS, detail: `table ${compared}`, score: fraction };
}

/** The Setup section when the answer has one (status and combo belong there), else the whole answer. */
const setupText = (text: string): string => plain(sectionBody(text, /\bsetup\b/i) ?? text);

function scoreCombo(text: string, combo: NonNullable<Expectations['combo']>): CriterionResult {
  const pattern = comboPattern(combo.family);
  const lines = plain(text)
    .split('\n')
    .filter((line) => pattern.test(line));
  if (lines.length === 0) return { pass: false, detail: `${combo.family} not named` };
  if (!combo.direction) return { pass: true, detail: `${combo.family} named` };
  const direction = directionPattern(combo.direction);
  const pass = lines.some((line) => direction.test(line));
  return {
    pass,
    detail: pass
      ? `${combo.family} ${combo.direction} named`
      : `${combo.family} named, but not as ${combo.direction} on the same line`,
  };
}

function scoreStatus(text: string, statuses: readonly SetupStatus[]): CriterionResult {
  const setup = setupText(text);
  const found = statuses.find((status) => statusPattern(status).test(setup));
  return found
    ? { pass: true, detail: `status "${found}"` }
    : { pass: false, detail: `none of: ${statuses.join(', ')}` };
}

function scoreTrigger(text: string, triggers: readonly LevelRef[]): CriterionResult {
  const body = plain(text);
  const missing = triggers.filter((level) => !levelPattern(level).test(body));
  const names = (levels: readonly LevelRef[]) => levels.map((level) => `${level.candle}'s ${level.side}`).join(', ');
  return missing.length === 0
    ? { pass: true, detail: `named ${names(triggers)}` }
    : { pass: false, detail: `missing ${names(missing)}` };
}

const claims = (sentences: Sentence[]) => sentences.filter((sentence) => !sentence.hypothetical);

function scoreNoPrices(text: string): CriterionResult {
  const prices = claims(sentencesOf(text)).flatMap((sentence) => sentence.text.match(PRICE) ?? []);
  return prices.length === 0
    ? { pass: true, detail: 'no price quoted' }
    : { pass: false, detail: `prices on a chart without an axis: ${[...new Set(prices)].join(', ')}` };
}

function scoreForbidden(text: string): CriterionResult {
  const flagged: string[] = [];
  for (const sentence of claims(sentencesOf(withoutQuotes(normalise(text))))) {
    for (const rule of FORBIDDEN) {
      const match = rule.pattern.exec(sentence.text);
      if (match && !rule.unless?.test(sentence.text)) flagged.push(`${rule.kind}: "${match[0]}"`);
    }
  }
  return flagged.length === 0 ? { pass: true, detail: 'none' } : { pass: false, detail: flagged.join('; ') };
}

function scoreRefusal(answer: AnswerUnderTest, expectations: Expectations): CriterionResult {
  if (answer.streamError?.code === 'refused' || answer.stopReason === 'refusal') {
    return { pass: false, detail: 'the model refused (stream ended as a refusal)' };
  }
  const excused = expectations.limitation?.mentions ?? [];
  const refusals = sentencesOf(answer.text).filter(
    (sentence) => REFUSAL.test(sentence.text) && !excused.some((pattern) => pattern.test(sentence.text)),
  );
  return refusals.length === 0
    ? { pass: true, detail: 'answered' }
    : { pass: false, detail: `refused: "${refusals[0]?.text ?? ''}"` };
}

function scoreLimitation(text: string, limitation: NonNullable<Expectations['limitation']>): CriterionResult {
  const body = plain(text);
  const missing = limitation.mentions.filter((pattern) => !pattern.test(body));
  if (missing.length > 0) return { pass: false, detail: `does not say: ${limitation.description}` };
  const numbered = readBars(text).labels.some((label) => label !== null && label !== '?');
  if (limitation.withoutNumbering && numbered) {
    return { pass: false, detail: `says ${limitation.description}, but numbers the bars anyway` };
  }
  return { pass: true, detail: `says ${limitation.description}` };
}

/** Every criterion for one answer; a missing expectation makes its criterion not applicable. */
export function scoreAnswer(answer: AnswerUnderTest, expectations: Expectations): ScoreCard {
  const { text } = answer;
  const criteria: Record<Criterion, CriterionResult> = {
    barList: expectations.labels ? scoreBarList(text, expectations.labels) : notApplicable,
    combo: expectations.combo ? scoreCombo(text, expectations.combo) : notApplicable,
    status: expectations.status ? scoreStatus(text, expectations.status) : notApplicable,
    trigger: expectations.triggers ? scoreTrigger(text, expectations.triggers) : notApplicable,
    noInventedPrices: expectations.noPrices ? scoreNoPrices(text) : notApplicable,
    disclaimer: expectations.setupDiscussed
      ? DISCLAIMER.test(plain(text))
        ? { pass: true, detail: 'present' }
        : { pass: false, detail: 'missing "Education, not financial advice."' }
      : notApplicable,
    forbidden: scoreForbidden(text),
    wrongRefusal: (expectations.answerExpected ?? true) ? scoreRefusal(answer, expectations) : notApplicable,
    limitation: expectations.limitation ? scoreLimitation(text, expectations.limitation) : notApplicable,
  };
  const verdicts = CRITERIA.map((name) => criteria[name].pass).filter((pass) => pass !== null);
  const passed = verdicts.filter(Boolean).length;
  return { criteria, passed, applicable: verdicts.length, total: verdicts.length === 0 ? 1 : passed / verdicts.length };
}

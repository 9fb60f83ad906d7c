// The trade plan inside an answer, read from its Markdown: entry, stop and targets, for the plan card above the
// answer and its Copy. The coach writes it as a table (a row per side with Trigger/Entry, Stop, Target columns,
// or Entry/Stop/Target rows) or as "Entry:", "Stop:", "Target(s):" lines, a group of lines per side. An answer
// that negates its own plan ("it would have been …; stand aside") gets no card. Pure, so it is tested in Node.
import { answerPlainText } from './answer-text';

export interface PlanSide {
  /** "Long", "Short (if the 2U fails)"; null when the plan names no side. */
  side: string | null;
  entry: string;
  stop: string;
  targets: string[];
}

export interface TradePlan {
  sides: PlanSide[];
}

type Field = 'side' | 'entry' | 'stop' | 'target';

/** A header or label cell's field: "Trigger" is the Strat's entry; "Target (magnitude)" a target. */
function fieldOf(cell: string): Field | null {
  const word = cell
    .toLowerCase()
    .replace(/[*_`]/g, '')
    .replace(/\(.*?\)/g, '')
    .trim();
  if (/^(side|direction)$/.test(word)) return 'side';
  if (/^(entry|trigger|entry \/ trigger|trigger \/ entry)$/.test(word)) return 'entry';
  if (/^(stop|stop loss|stop-loss)$/.test(word)) return 'stop';
  if (/^(targets?|first target|target \d|take profit|magnitude)$/.test(word)) return 'target';
  return null;
}

/** The cells of a Markdown table row, inline Markdown reduced to its words. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => answerPlainText(cell.trim().replace(/\\\|/g, '|')).trim());
}

const isTableLine = (line: string): boolean => /^\s*\|.*\|\s*$/.test(line);
const isDivider = (line: string): boolean => /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(line);

/** Every GitHub table in the text: its header and body rows. */
function tables(markdown: string): Array<{ header: string[]; rows: string[][]; start: number; end: number }> {
  const lines = markdown.split(/\r?\n/);
  const found: Array<{ header: string[]; rows: string[][]; start: number; end: number }> = [];
  for (let i = 0; i + 1 < lines.length; i += 1) {
    const head = lines[i] ?? '';
    if (!isTableLine(head) || !isDivider(lines[i + 1] ?? '')) continue;
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && isTableLine(lines[j] ?? ''); j += 1) rows.push(cells(lines[j] ?? ''));
    found.push({ header: cells(head), rows, start: i, end: j });
    i = j - 1;
  }
  return found;
}

const splitTargets = (text: string): string[] =>
  text
    .split(/\s*;\s*|\s*,\s*then\s+|\s+then\s+/i)
    .map((target) => target.trim())
    .filter((target) => target !== '' && target !== '—' && target !== '-');

const complete = (side: PlanSide): boolean => side.entry !== '' && side.stop !== '' && side.targets.length > 0;

/** A table with Entry/Trigger, Stop and Target columns: one side per row. */
function fromColumns(header: string[], rows: string[][]): PlanSide[] {
  const fields = header.map(fieldOf);
  const at = (field: Field): number[] => fields.flatMap((each, index) => (each === field ? [index] : []));
  const [entry] = at('entry');
  const [stop] = at('stop');
  const targets = at('target');
  if (entry === undefined || stop === undefined || targets.length === 0) return [];
  const [sideAt] = at('side');
  return rows
    .map((row) => ({
      side: sideAt === undefined ? null : row[sideAt] || null,
      entry: row[entry] ?? '',
      stop: row[stop] ?? '',
      targets: targets.flatMap((index) => splitTargets(row[index] ?? '')),
    }))
    .filter(complete);
}

/** A table with Entry, Stop and Target rows (the label in the first column): one side per further column. */
function fromRows(header: string[], rows: string[][]): PlanSide[] {
  const byField = new Map<Field, string[][]>();
  for (const row of rows) {
    const field = fieldOf(row[0] ?? '');
    if (field && field !== 'side') byField.set(field, [...(byField.get(field) ?? []), row]);
  }
  const entry = byField.get('entry')?.[0];
  const stop = byField.get('stop')?.[0];
  const targets = byField.get('target') ?? [];
  if (!entry || !stop || targets.length === 0) return [];
  const sides: PlanSide[] = [];
  for (let column = 1; column < Math.max(entry.length, header.length); column += 1) {
    const name = header[column] ?? '';
    sides.push({
      // A column headed "Where" or "Level" is the plan's only side, not a side's name.
      side: header.length > 2 && name !== '' ? name : null,
      entry: entry[column] ?? '',
      stop: stop[column] ?? '',
      targets: targets.flatMap((row) => splitTargets(row[column] ?? '')),
    });
  }
  return sides.filter(complete);
}

// A side is long or short when its name says so; a name saying both ("Long or short?") names no side.
const LONG = /\b(?:long|bull(?:ish)?|buy|calls)\b(?!-)/i;
const SHORT = /\b(?:short|bear(?:ish)?|sell|puts)\b(?!-)/i;
const namesOneSide = (text: string): boolean => LONG.test(text) !== SHORT.test(text);

/** The side a heading or a line's lead names ("**Short** (if the 2U fails)", "### Long setup:"), or null. */
function sideName(raw: string): string | null {
  const text = raw.trim().replace(/^(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+)/, '');
  const bold = /^(\*\*|__)(.+?)\1\s*(\([^)]*\))?/.exec(text);
  const name = answerPlainText(bold ? `${bold[2] ?? ''} ${bold[3] ?? ''}` : text)
    .split(/:\s/)[0]
    ?.replace(/[*_`]/g, '')
    .replace(/[\s:.,;…—–-]+$/, '')
    .trim();
  return name && name.length <= 60 && namesOneSide(name) ? name : null;
}

/** A line standing as a heading: a Markdown heading, a line led by bold, or a short line ending in ":". */
function looksLikeHeading(line: string): boolean {
  const text = line.trim();
  return (
    /^(?:#{1,6}\s|(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__))/.test(text) ||
    (/:\s*(?:\*\*|__)?$/.test(text) && answerPlainText(text).length <= 60)
  );
}

/**
 * The side line `index` names as a heading, when it heads levels: one of the plan's lines comes before any other
 * heading (prose between is fine: "**Short** (if the 2U fails)", a sentence, then "Trigger: …"), or the heading itself
 * negates its side ("**Short** — no setup"). Context that only names a direction ("**Bearish context:** the monthly
 * is a 2D", then "### Plan for today" and a long's levels) would otherwise label them.
 */
function headingOfLevels(lines: string[], index: number): string | null {
  const line = lines[index] ?? '';
  const name = looksLikeHeading(line) ? sideName(line) : null;
  if (name === null) return null;
  if (sentences(line).some((sentence) => negationOf(sentence) !== null)) return name;
  for (const next of lines.slice(index + 1)) {
    if (next.trim() === '') continue;
    if (fieldLine(next) !== null) return name;
    // Another heading or bold lead before any level: this one was context. (A short "If the 1's high breaks:"
    // line is the side's own condition, not a heading; a direction it mislabels is caught by `contradicts`.)
    if (/^\s*(?:#{1,6}\s|(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__))/.test(next)) return null;
  }
  return null;
}

const LINE =
  /^\s*(?:[-*+]\s+)?(?:\*\*|__)?(entry|trigger|stop(?:[ -]loss)?|targets?|target \d)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*(.+)$/i;
// "**Long** … Entry: 512.40", "Short trigger: 509.80": the side named in the entry line's lead. Only for the entry,
// since "Buy stop: 512.40" is an order type (the long's entry), not the long's stop.
const INLINE_ENTRY = /^(.+?)\s*(?:\*\*|__)?\b(entry|trigger)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*(.+)$/i;

function fieldLine(line: string): { lead: string | null; field: Field | null; value: string } | null {
  const match = LINE.exec(line);
  if (match) return { lead: null, field: fieldOf(match[1] ?? ''), value: match[2] ?? '' };
  const inline = INLINE_ENTRY.exec(line);
  const lead = inline?.[1] ?? '';
  const ledBySide = /^\s*(?:#{1,6}\s+|[-*+]\s+)?(?:\*\*|__)/.test(lead) || namesOneSide(lead.split(/\s/)[0] ?? '');
  if (!inline || !ledBySide || sideName(lead) === null) return null;
  return { lead, field: 'entry', value: inline[3] ?? '' };
}

/*
 * When the coach negates the plan, no card: a card would put levels the coach told the trader not to trade on
 * screen, in green, with a Copy button. The rule, phrase by phrase:
 * - "would have been" (or "would've been") is a hypothetical: the whole answer gets no card.
 * - "no trade", "no (valid) setup", "no entry", "stand aside", "stay flat", "do not take", "don't take",
 *   "invalidated" negate, unless that phrase is itself a condition: a condition word before it in its sentence ("if
 *   it closes back inside, the setup is invalidated; stand aside"), or one right after it ("invalidated below
 *   509.85", "no trade if the gap holds"). "Until" is not: "stand aside until a new setup forms" says no trade now.
 *   "Was/already/now invalidated" and "stopped out" are facts, whatever the sentence says around them. "Invalidated"
 *   on the Stop line says what the stop means, so it is not read.
 * - A negation under a side's heading before any of that side's levels ("**Short** — no setup") drops that side
 *   only; anywhere else it drops every side before it, and the sides after it too unless what follows the negation,
 *   up to the next side's levels, sets a trigger ("No trade until the 1's high breaks", "No trade yet. If it breaks
 *   512.40: …"). Past narration ("it triggered when price broke 512.40") sets none.
 */
const HYPOTHETICAL = /\bwould(?: have|'ve|’ve) been\b/i;
const NEGATION =
  /\b(?:no (?:valid |clean |good )?(?:trades?|setups?|entry)|stand aside|stay flat|do not take|don['’]t take|invalidated)\b/gi;
const FACT = /\b(?:(?:was|were|got|been|already|now)\s+invalidated|(?:was|were|got|been)\s+stopped out)\b/i;
const CONDITION_BEFORE = /\b(?:if|unless|once|should)\b/i;
const CONDITION_AFTER = /^\W*(?:if|unless|below|above|under|over|on a (?:break|close))\b/i;
const LATER_CONDITION = /\b(?:if|unless|until|once|before|breaks?|closes? (?:above|below)|on a (?:break|close))\b/i;

type Negation = { kind: 'hypothetical' } | { kind: 'negation'; rest: string } | null;

/** Whether the sentence negates the plan; `rest` is what it says after its last negation (a trigger, maybe). */
function negationOf(sentence: string, onStopLine = false): Negation {
  if (HYPOTHETICAL.test(sentence)) return { kind: 'hypothetical' };
  const words = onStopLine ? sentence.replace(/\binvalidated\b/gi, '') : sentence;
  let rest: string | null = FACT.test(words) ? '' : null;
  for (const match of words.matchAll(NEGATION)) {
    const after = words.slice(match.index + match[0].length);
    const conditional = CONDITION_BEFORE.test(words.slice(0, match.index)) || CONDITION_AFTER.test(after);
    if (!conditional) rest = after;
  }
  return rest === null ? null : { kind: 'negation', rest };
}

/**
 * A price, to check a side's levels against each other: a number with decimals, or of three digits or more, so
 * "the 1's high", "2-1-2" and "60m" are not read as prices. The last one in the text ("the 1's low at 119.80").
 */
function priceIn(text: string): number | null {
  const found = [...text.replace(/(\d),(\d{3})/g, '$1$2').matchAll(/\b\d+\.\d+\b|\b\d{3,}\b/g)].at(-1);
  return found ? Number(found[0]) : null;
}

/**
 * A side whose prices contradict each other, or its name: a target on the stop's side of the entry, or a side named
 * Long whose stop is above its entry. Such a card would be wrong (levels from two scenarios, or a mislabelled one),
 * so it is not shown. Sides without prices are not judged.
 */
function contradicts(side: PlanSide): boolean {
  const entry = priceIn(side.entry);
  const stop = priceIn(side.stop);
  if (entry === null || stop === null || entry === stop) return false;
  const long = entry > stop;
  if (side.side !== null && namesOneSide(side.side) && LONG.test(side.side) !== long) return true;
  return side.targets.some((target) => {
    const price = priceIn(target);
    return price !== null && (long ? price <= entry : price >= entry);
  });
}

const sentences = (line: string): string[] => answerPlainText(line).split(/(?<=[.!?])\s+/);

interface Group extends PlanSide {
  negated: boolean;
}

/** "Entry:", "Stop:", "Target(s):" lines (bullets and bold allowed): one side per group of lines. */
function fromLines(markdown: string): PlanSide[] {
  const groups: Group[] = [];
  let current: Group = { side: null, entry: '', stop: '', targets: [], negated: false };
  // After a negation: the text since (null when none), and whether the plan after it is conditional.
  let since: string | null = null;
  let later: 'open' | 'kept' | 'dropped' = 'kept';
  let hypothetical = false;
  const hasLevels = (group: Group): boolean => group.entry !== '' || group.stop !== '' || group.targets.length > 0;
  const startSide = (side: string | null): void => {
    groups.push(current);
    current = { side, entry: '', stop: '', targets: [], negated: false };
  };

  const lines = markdown.split(/\r?\n/);
  lines.forEach((line, index) => {
    const plan = fieldLine(line);
    const heading = plan ? (plan.lead === null ? null : sideName(plan.lead)) : headingOfLevels(lines, index);
    if (heading !== null) {
      if (hasLevels(current) || current.negated) startSide(heading);
      else current.side = heading;
    }
    for (const sentence of sentences(line)) {
      const negation = negationOf(sentence, plan?.field === 'stop');
      if (negation?.kind === 'hypothetical') {
        hypothetical = true;
        return;
      }
      if (negation === null) {
        if (since !== null) since += ` ${sentence}`;
      } else if (current.side !== null && !hasLevels(current)) current.negated = true;
      else {
        // An empty group is not negated yet: its levels, if any come, are judged by what lies between.
        for (const group of [...groups, current]) group.negated ||= hasLevels(group);
        since = negation.rest;
        later = 'open';
      }
    }
    if (!plan?.field || plan.field === 'side') return;
    if (plan.field === 'entry' && current.entry !== '') startSide(null);
    // The first side after a negation, unless negated itself, decides whether the plan after it is conditional.
    if (!hasLevels(current) && !current.negated && later !== 'kept' && since !== null) {
      if (later === 'open') later = LATER_CONDITION.test(since) ? 'kept' : 'dropped';
      current.negated = later === 'dropped';
    }
    const value = answerPlainText(plan.value).trim();
    if (plan.field === 'entry') current.entry = value;
    if (plan.field === 'stop' && current.stop === '') current.stop = value;
    if (plan.field === 'target') current.targets.push(...splitTargets(value));
  });
  if (hypothetical) return [];
  const sides = [...groups, current]
    .filter((group) => !group.negated && complete(group))
    .map(({ side, entry, stop, targets }) => ({ side, entry, stop, targets }));
  // Two or more sides the answer does not name cannot be told apart on the card: better none than a guess.
  return sides.length > 1 && sides.some((side) => side.side === null) ? [] : sides;
}

/** Whether a table's plan stands: no hypothetical anywhere, no negation after it, a condition after any before it. */
function tableStands(lines: string[], start: number, end: number): boolean {
  let since: string | null = null;
  for (let index = 0; index < lines.length; index += 1) {
    if (index >= start && index < end) continue;
    for (const sentence of sentences(lines[index] ?? '')) {
      const negation = negationOf(sentence);
      if (negation?.kind === 'hypothetical' || (negation && index >= end)) return false;
      if (negation) since = negation.rest;
      else if (since !== null && index < start) since += ` ${sentence}`;
    }
  }
  return since === null || LATER_CONDITION.test(since);
}

/** The plan, unless one of its sides contradicts itself: then none, rather than a card with that side left out. */
const consistent = (sides: PlanSide[]): TradePlan | null =>
  sides.length === 0 || sides.some(contradicts) ? null : { sides };

/** The answer's plan, or null when it holds none (a plan names an entry, a stop and at least one target). */
export function parseTradePlan(markdown: string): TradePlan | null {
  const lines = markdown.split(/\r?\n/);
  for (const { header, rows, start, end } of tables(markdown)) {
    const fromTable = fromColumns(header, rows);
    const sides = fromTable.length > 0 ? fromTable : fromRows(header, rows);
    if (sides.length > 0) return tableStands(lines, start, end) ? consistent(sides) : null;
  }
  return consistent(fromLines(markdown));
}

/** The plan as plain text for the clipboard: one block per side. */
export function planText(plan: TradePlan): string {
  return plan.sides
    .map((side) =>
      [
        ...(side.side ? [side.side] : []),
        `Entry: ${side.entry}`,
        `Stop: ${side.stop}`,
        side.targets.length === 1 ? `Target: ${side.targets[0] ?? ''}` : `Targets: ${side.targets.join('; ')}`,
      ].join('\n'),
    )
    .join('\n\n');
}

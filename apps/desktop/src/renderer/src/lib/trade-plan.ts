// The trade plan inside an answer, read from its Markdown: entry, stop and targets, for the plan card above the
// answer and its Copy. The coach writes it as a table (a row per side with Trigger/Entry, Stop, Target columns,
// or Entry/Stop/Target rows) or as "Entry:", "Stop:", "Target(s):" lines. Pure, so it is tested in Node.
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
function tables(markdown: string): Array<{ header: string[]; rows: string[][] }> {
  const lines = markdown.split(/\r?\n/);
  const found: Array<{ header: string[]; rows: string[][] }> = [];
  for (let i = 0; i + 1 < lines.length; i += 1) {
    const head = lines[i] ?? '';
    if (!isTableLine(head) || !isDivider(lines[i + 1] ?? '')) continue;
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && isTableLine(lines[j] ?? ''); j += 1) rows.push(cells(lines[j] ?? ''));
    found.push({ header: cells(head), rows });
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

const LINE =
  /^\s*(?:[-*+]\s+)?(?:\*\*|__)?(entry|trigger|stop(?:[ -]loss)?|targets?|target \d)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*(.+)$/i;

/** "Entry: …", "Stop: …", "Target(s): …" lines (bullets and bold allowed): one side. */
function fromLines(markdown: string): PlanSide[] {
  const plan: PlanSide = { side: null, entry: '', stop: '', targets: [] };
  for (const line of markdown.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (!match) continue;
    const field = fieldOf(match[1] ?? '');
    const value = answerPlainText(match[2] ?? '').trim();
    if (field === 'entry' && plan.entry === '') plan.entry = value;
    if (field === 'stop' && plan.stop === '') plan.stop = value;
    if (field === 'target') plan.targets.push(...splitTargets(value));
  }
  return complete(plan) ? [plan] : [];
}

/** The answer's plan, or null when it holds none (a plan names an entry, a stop and at least one target). */
export function parseTradePlan(markdown: string): TradePlan | null {
  for (const { header, rows } of tables(markdown)) {
    const sides = fromColumns(header, rows);
    if (sides.length > 0) return { sides };
    const byRows = fromRows(header, rows);
    if (byRows.length > 0) return { sides: byRows };
  }
  const sides = fromLines(markdown);
  return sides.length > 0 ? { sides } : null;
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

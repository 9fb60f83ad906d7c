// The README's "Models and thinking" table, rendered from the model table so the two never disagree: a test
// compares them, and `npx tsx server/test/support/models-doc.ts` prints the table to paste after a change.
import { pathToFileURL } from 'node:url';
import { MODEL_TABLE, priceRowAt, type ModelSpec } from '../../src/config/models.js';

const THINKING: Record<ModelSpec['thinking'], string> = {
  'adaptive-default': 'adaptive, on by default',
  'adaptive-optional': 'adaptive, when asked',
  budgeted: 'budgeted (extended)',
  none: 'none',
};

const usd = (value: number): string => `$${value}`;
const tokens = (value: number): string => (value >= 1_000_000 ? `${value / 1_000_000}M` : `${value / 1_000}K`);

/** One row per model (snapshots named with their alias), priced as of `at`. */
/** The table's cells, row by row, whitespace and column alignment aside (Prettier re-aligns the README). */
export const tableCells = (markdown: string): string[][] =>
  markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

export function modelsTableMarkdown(at: Date): string {
  const snapshots = new Map<string, string[]>();
  const rows: string[] = [];
  for (const [id, entry] of Object.entries(MODEL_TABLE)) {
    if ('snapshotOf' in entry) snapshots.set(entry.snapshotOf, [...(snapshots.get(entry.snapshotOf) ?? []), id]);
  }
  for (const [id, entry] of Object.entries(MODEL_TABLE)) {
    if ('snapshotOf' in entry) continue;
    const name = [id, ...(snapshots.get(id) ?? [])].map((model) => `\`${model}\``).join(', ');
    if ('excluded' in entry) {
      rows.push(`| ${name} | not offered: ${entry.excluded} | | | | | | |`);
      continue;
    }
    const price = priceRowAt(entry, at);
    const prices = [price.input, price.output, price.cacheWrite, price.cacheRead].map(usd).join(' / ');
    const long = price.longContext;
    const longContext = long
      ? `; over ${tokens(long.aboveInputTokens)} input: ${[long.input, long.output, long.cacheWrite, long.cacheRead].map(usd).join(' / ')}`
      : '';
    const off = entry.thinkingOff ?? 'cannot';
    const efforts = entry.efforts.length > 0 ? entry.efforts.join(', ') : '—';
    const access = entry.access === 'limited' ? ' (limited access)' : '';
    rows.push(
      `| ${name}${access} | ${prices}${longContext} | ${THINKING[entry.thinking]} | ${off} | ${efforts} | ${entry.minCacheableTokens.toLocaleString('en-US')} | ${tokens(entry.maxOutputTokens)} / ${tokens(entry.contextWindow)} | ${entry.retires ?? '—'} |`,
    );
  }
  return [
    '| model | USD per million: input / output / cache write / cache read | thinking | off near the quota | effort | cache minimum | max output / context | retires |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(modelsTableMarkdown(new Date()));

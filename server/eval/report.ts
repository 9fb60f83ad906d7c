// The eval's report: per case the scores, tokens, cost and latency, and a summary (model, coaching version,
// totals), as Markdown for people and JSON for tools, written to results/coaching-<timestamp>.{md,json}.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { CoachAnswer } from './client.js';
import { CRITERIA, type Criterion, type Expectations, type ScoreCard } from './scorer.js';

export interface CaseOutcome {
  id: string;
  question: string;
  chart: { title: string | null; theme: string; kind: string; priceAxis: boolean };
  expect: Expectations;
  answer: CoachAnswer | null;
  score: ScoreCard | null;
  /** Why the case could not be run (infrastructure, not the model). */
  error: string | null;
}

export interface EvalRun {
  /** 'fake': the loopback fake upstream replayed recorded answers; nothing was asked of a model. */
  mode: 'live' | 'fake';
  startedAt: string;
  finishedAt: string;
  cases: CaseOutcome[];
}

export interface RunSummary {
  model: string;
  coachingVersion: string;
  scored: number;
  failedToRun: number;
  passed: number;
  applicable: number;
  /** passed / applicable over every scored case. */
  score: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  costUsd: number;
  meanLatencyMs: number;
  slowest: { id: string; latencyMs: number } | null;
}

const COLUMNS: Readonly<Record<Criterion, string>> = {
  barList: 'Bars',
  combo: 'Combo',
  status: 'Status',
  trigger: 'Trigger',
  noInventedPrices: 'No prices',
  disclaimer: 'Disclaimer',
  forbidden: 'Compliance',
  wrongRefusal: 'No wrong refusal',
  limitation: 'Limitation',
};

const distinct = (values: Array<string | null | undefined>) =>
  [...new Set(values.filter((value): value is string => Boolean(value)))].join(', ') || 'unknown';

export function summarise(run: EvalRun): RunSummary {
  const answered = run.cases.filter((outcome) => outcome.answer !== null);
  const scored = run.cases.filter((outcome) => outcome.score !== null);
  const sum = (pick: (answer: CoachAnswer) => number) =>
    answered.reduce((total, outcome) => total + pick(outcome.answer as CoachAnswer), 0);
  const passed = scored.reduce((total, outcome) => total + (outcome.score?.passed ?? 0), 0);
  const applicable = scored.reduce((total, outcome) => total + (outcome.score?.applicable ?? 0), 0);
  const slowest = answered.reduce<CaseOutcome | null>(
    (worst, outcome) => (!worst || (outcome.answer?.latencyMs ?? 0) > (worst.answer?.latencyMs ?? 0) ? outcome : worst),
    null,
  );
  return {
    model: distinct(answered.map((outcome) => outcome.answer?.model)),
    coachingVersion: distinct(answered.map((outcome) => outcome.answer?.coachingVersion)),
    scored: scored.length,
    failedToRun: run.cases.length - scored.length,
    passed,
    applicable,
    score: applicable === 0 ? 0 : passed / applicable,
    tokens: {
      input: sum((answer) => answer.usage.inputTokens),
      output: sum((answer) => answer.usage.outputTokens),
      cacheRead: sum((answer) => answer.usage.cacheReadInputTokens),
      cacheWrite: sum((answer) => answer.usage.cacheCreationInputTokens),
    },
    costUsd: sum((answer) => answer.costUsd),
    meanLatencyMs: answered.length === 0 ? 0 : sum((answer) => answer.latencyMs) / answered.length,
    slowest: slowest?.answer ? { id: slowest.id, latencyMs: slowest.answer.latencyMs } : null,
  };
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const usd = (amount: number) => `$${amount.toFixed(4)}`;

function cell(score: ScoreCard, criterion: Criterion): string {
  const result = score.criteria[criterion];
  if (result.pass === null) return '–';
  const mark = result.pass ? '✓' : '✗';
  return result.score !== undefined ? `${mark} ${Math.round(result.score * 100)}%` : mark;
}

/** The per-case table: what `npm run eval:coaching` prints. */
export function markdownTable(run: EvalRun): string {
  const header = [
    'Case',
    ...CRITERIA.map((criterion) => COLUMNS[criterion]),
    'Score',
    'Tokens in/out',
    'Cost',
    'Latency',
  ];
  const rows = run.cases.map((outcome) => {
    const { answer, score } = outcome;
    const marks = score ? CRITERIA.map((criterion) => cell(score, criterion)) : CRITERIA.map(() => '');
    const total = score ? `${score.passed}/${score.applicable}` : 'not run';
    // All input, cached or not: what the question with its chart cost to read.
    const input = answer
      ? answer.usage.inputTokens + answer.usage.cacheReadInputTokens + answer.usage.cacheCreationInputTokens
      : 0;
    const tokens = answer ? `${input}/${answer.usage.outputTokens}` : '–';
    const cost = answer ? usd(answer.costUsd) : '–';
    const latency = answer ? seconds(answer.latencyMs) : '–';
    return [outcome.id, ...marks, total, tokens, cost, latency];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function summaryLines(run: EvalRun, summary: RunSummary): string[] {
  const { tokens } = summary;
  return [
    '| | |',
    '| --- | --- |',
    `| Mode | ${run.mode === 'fake' ? 'fake upstream replaying recorded answers (not the model)' : 'live: the real Anthropic API'} |`,
    `| Model | ${summary.model} |`,
    `| Coaching version | ${summary.coachingVersion} |`,
    `| Cases | ${run.cases.length} (${summary.scored} scored, ${summary.failedToRun} could not run) |`,
    `| Score | ${summary.passed}/${summary.applicable} criteria passed (${percent(summary.score)}) |`,
    `| Tokens | input ${tokens.input} uncached, ${tokens.cacheRead} cache read, ${tokens.cacheWrite} cache write; output ${tokens.output} |`,
    `| Cost | ${usd(summary.costUsd)} |`,
    `| Latency | mean ${seconds(summary.meanLatencyMs)}${summary.slowest ? `, slowest ${seconds(summary.slowest.latencyMs)} (${summary.slowest.id})` : ''} |`,
    `| Run | ${run.startedAt} to ${run.finishedAt} |`,
  ];
}

function findings(run: EvalRun): string[] {
  const lines: string[] = [];
  for (const outcome of run.cases) {
    if (outcome.error) lines.push(`- **${outcome.id}**: could not run: ${outcome.error}`);
    for (const criterion of CRITERIA) {
      const result = outcome.score?.criteria[criterion];
      if (result?.pass === false) lines.push(`- **${outcome.id}** · ${COLUMNS[criterion]}: ${result.detail}`);
    }
  }
  return lines.length > 0 ? lines : ['None: every applicable criterion passed.'];
}

export function markdownReport(run: EvalRun): string {
  const summary = summarise(run);
  const banner =
    run.mode === 'fake'
      ? [
          '> **FAKE RUN: these are recorded answers (server/eval/recorded/), replayed by the fake Anthropic upstream, not',
          '> answers from the model.** It shows the pipeline and the report; the scores say nothing about the coach.',
          '',
        ]
      : [];
  return [
    `# Coaching eval, ${run.startedAt.slice(0, 10)}`,
    '',
    ...banner,
    ...summaryLines(run, summary),
    '',
    '## Scores',
    '',
    'Each case is a chart rendered with known bars and a question a trader would type, sent to the real server over',
    'HTTP. ✓ pass, ✗ fail, – not applicable to the case. Bars shows the share of the last bars numbered right.',
    '',
    markdownTable(run),
    '',
    '## What failed',
    '',
    ...findings(run),
    '',
    'Questions, answers and every criterion with its detail are in the JSON file beside this one.',
    '',
  ].join('\n');
}

/** Formatted as the repository formats files (aligned tables), so a report left in the tree passes `npm run lint`. */
export async function formatted(text: string, filepath: string): Promise<string> {
  const options = (await resolveConfig(filepath)) ?? {};
  return format(text, { ...options, filepath });
}

/** Writes coaching-<timestamp>.json and .md into `dir`; returns their paths. */
export async function writeReport(dir: string, run: EvalRun): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, '-');
  const json = join(dir, `coaching-${stamp}.json`);
  const markdown = join(dir, `coaching-${stamp}.md`);
  const serialisable = { ...run, summary: summarise(run) };
  // Expectations hold patterns: written as their source so the file says what was looked for.
  const replacer = (_key: string, value: unknown) => (value instanceof RegExp ? value.toString() : value);
  await writeFile(json, await formatted(JSON.stringify(serialisable, replacer, 2), json));
  await writeFile(markdown, await formatted(markdownReport(run), markdown));
  return { json, markdown };
}

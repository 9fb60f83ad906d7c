// `npm run eval:coaching`: asks the real server (embedded mode, real HTTP, real SSE) each case's question with
// its rendered chart, scores the answers and writes a report. Exits 1 only when the eval itself could not run.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestServer, type TestServer } from '../test/support/testing.js';
import { CASES, renderCase, type EvalCase } from './cases.js';
import { askCoach, InfrastructureError, signIn } from './client.js';
import { formatted, markdownTable, summarise, writeReport, type CaseOutcome, type EvalRun } from './report.js';
import { scoreAnswer } from './scorer.js';

const USAGE = `Usage: npm run eval:coaching -- [--fake] [--case <id>] [--out <dir>]

  --fake        replay the recorded answers (server/eval/recorded/) through the fake Anthropic upstream:
                shows the pipeline and the report offline; says nothing about the model
  --case <id>   run one case (${CASES.map((evalCase) => evalCase.id).join(', ')})
  --out <dir>   where to write the report (default server/eval/results)

Live runs need ANTHROPIC_API_KEY (and use ANTHROPIC_BASE_URL and COACH_MODEL when set).`;

const SKIPPED =
  'eval:coaching skipped: ANTHROPIC_API_KEY is not set; it runs against the real API. Offline, `npm run eval:coaching -- --fake` replays the recorded answers, and `npm test` checks the scorer on them.';

const RECORDED = new URL('./recorded/', import.meta.url);
const DEFAULT_OUT = fileURLToPath(new URL('./results/', import.meta.url));

const log = (line: string) => process.stderr.write(`${line}\n`);

function liveEnv(): Record<string, string> {
  const { ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, COACH_MODEL } = process.env;
  return {
    ANTHROPIC_API_KEY: ANTHROPIC_API_KEY ?? '',
    ...(ANTHROPIC_BASE_URL ? { ANTHROPIC_BASE_URL } : {}),
    ...(COACH_MODEL ? { COACH_MODEL } : {}),
  };
}

/** One chunk per paragraph, so the replayed answer streams as a real one does. */
const paragraphs = (text: string): string[] => text.split(/(?<=\n\n)/).filter((chunk) => chunk.length > 0);

/** The case as the report shows it, before (or without) an answer. */
const outcomeOf = (evalCase: EvalCase, error: string | null = null): CaseOutcome => ({
  id: evalCase.id,
  question: evalCase.question,
  chart: {
    title: evalCase.chart.title ?? null,
    theme: evalCase.chart.theme ?? 'dark',
    kind: evalCase.chart.kind ?? 'candles',
    priceAxis: evalCase.chart.priceAxis ?? true,
  },
  expect: evalCase.expect,
  answer: null,
  score: null,
  error,
});

async function runCase(server: TestServer, token: string, evalCase: EvalCase, fake: boolean): Promise<CaseOutcome> {
  const chart = renderCase(evalCase);
  const outcome = outcomeOf(evalCase);
  if (fake) {
    const recorded = await readFile(new URL(`${evalCase.id}.md`, RECORDED), 'utf8');
    server.fake?.script({ chunks: paragraphs(recorded) });
  }
  const answer = await askCoach(
    server.url,
    token,
    { message: evalCase.question, png: chart.png },
    { onWait: (wait, reason) => log(`  ${evalCase.id}: ${reason}; waiting ${wait} s`) },
  );
  outcome.answer = answer;
  outcome.score = scoreAnswer(answer, evalCase.expect);
  return outcome;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      fake: { type: 'boolean', default: false },
      case: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const cases = values.case ? CASES.filter((evalCase) => evalCase.id === values.case) : CASES;
  if (cases.length === 0) {
    log(`eval:coaching: no case "${values.case ?? ''}".\n\n${USAGE}`);
    return 1;
  }
  if (!values.fake && !process.env.ANTHROPIC_API_KEY) {
    console.log(SKIPPED);
    return 0;
  }

  const run: EvalRun = {
    mode: values.fake ? 'fake' : 'live',
    startedAt: new Date().toISOString(),
    finishedAt: '',
    cases: [],
  };
  let infrastructureFailed = false;
  log(`eval:coaching: ${cases.length} case(s), ${values.fake ? 'FAKE upstream with recorded answers' : 'live API'}`);
  const server = await startTestServer(values.fake ? { fakeUpstream: true } : { env: liveEnv() });
  try {
    const token = await signIn(server.url);
    for (const evalCase of cases) {
      log(`  ${evalCase.id}: asking`);
      try {
        run.cases.push(await runCase(server, token, evalCase, values.fake));
      } catch (error) {
        if (!(error instanceof InfrastructureError)) throw error;
        infrastructureFailed = true;
        log(`  ${evalCase.id}: could not run: ${error.message}`);
        run.cases.push(outcomeOf(evalCase, error.message));
      }
    }
  } finally {
    await server.close();
  }
  run.finishedAt = new Date().toISOString();

  const paths = await writeReport(values.out ?? DEFAULT_OUT, run);
  const summary = summarise(run);
  if (run.mode === 'fake') console.log('FAKE RUN: recorded answers replayed by the fake upstream, not the model.\n');
  console.log((await formatted(markdownTable(run), paths.markdown)).trimEnd());
  console.log(
    `\n${summary.passed}/${summary.applicable} criteria passed (${(summary.score * 100).toFixed(1)}%) · model ${summary.model} · coaching ${summary.coachingVersion} · $${summary.costUsd.toFixed(4)}`,
  );
  console.log(`Report: ${paths.markdown}\n        ${paths.json}`);
  return infrastructureFailed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`eval:coaching failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);

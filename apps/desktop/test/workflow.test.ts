// .github/workflows/desktop.yml cannot run here: it is checked by GitHub's own workflow parser (the schema
// Actions validates against), and for what it must do — installers on macOS, Windows and Ubuntu, the
// Electron specs there, under xvfb on Linux.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as WorkflowParserModule from '@actions/workflow-parser';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type WorkflowParser = typeof WorkflowParserModule;

/**
 * GitHub's parser imports its schema JSON without an import attribute, which Node 20 refuses: bundle it
 * (in memory, JSON inlined) and load that.
 */
async function loadWorkflowParser(): Promise<WorkflowParser> {
  const bundled = await build({
    stdin: { contents: "export * from '@actions/workflow-parser';", resolveDir: import.meta.dirname },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const dir = await mkdtemp(join(tmpdir(), 'strat-coach-workflow-parser-'));
  try {
    const file = join(dir, 'workflow-parser.mjs');
    await writeFile(file, bundled.outputFiles[0]!.contents);
    return (await import(pathToFileURL(file).href)) as WorkflowParser;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await loadWorkflowParser();

const FILE = join(import.meta.dirname, '../../../.github/workflows/desktop.yml');
const content = await readFile(FILE, 'utf8');

interface Step {
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
}
const workflow = parse(content) as {
  jobs: Record<string, { strategy: { matrix: { os: string[] } }; 'runs-on': string; steps: Step[] }>;
};

describe('.github/workflows/desktop.yml', () => {
  it("passes GitHub's workflow parser with no errors", async () => {
    const result = parseWorkflow({ name: 'desktop.yml', content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((job) => job.id.value)).toEqual(['installers']);
  });

  const job = workflow.jobs.installers!;
  const run = (needle: string) => job.steps.filter((step) => step.run?.includes(needle));

  it('builds on macOS, Windows and Ubuntu', () => {
    expect(job.strategy.matrix.os).toEqual(['macos-latest', 'windows-latest', 'ubuntu-latest']);
    expect(job['runs-on']).toBe('${{ matrix.os }}');
  });

  it('downloads Electron, builds, runs e2e/electron (under xvfb on Linux), then npm run dist', () => {
    const order = ['electron/install.js', 'npm run build', 'e2e/electron/playwright.config.ts', 'npm run dist'];
    const positions = order.map((needle) => job.steps.findIndex((step) => step.run?.includes(needle)));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const linux = run('e2e/electron').find((step) => step.if === "runner.os == 'Linux'");
    expect(linux?.run).toMatch(/xvfb-run .*playwright test -c e2e\/electron\/playwright\.config\.ts/);
    expect(run('e2e/electron').find((step) => step.if === "runner.os != 'Linux'")).toBeDefined();
  });

  it('builds on a supported Node (24, as the engines field)', () => {
    const setup = job.steps.find((step) => step.uses?.startsWith('actions/setup-node'));
    expect(JSON.stringify(setup)).toContain('"node-version":24');
  });

  it('refuses to build a release (a v* tag) on macOS or Windows without the signing secrets, before npm run dist', () => {
    const guard = job.steps.findIndex((step) => step.name === 'Signing secrets for a release');
    const dist = job.steps.findIndex((step) => step.run?.includes('npm run dist'));
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(guard).toBeLessThan(dist);
    const step = job.steps[guard]!;
    expect(step.if).toBe("startsWith(github.ref, 'refs/tags/v') && runner.os != 'Linux'");
    expect(step.run).toMatch(/macOS[\s\S]*CSC_LINK[\s\S]*exit 1/);
    expect(step.run).toMatch(/Windows[\s\S]*WIN_CSC_LINK[\s\S]*exit 1/);
  });

  it('keeps the installers as artifacts', () => {
    const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'));
    expect(JSON.stringify(upload)).toMatch(/dmg.*exe.*AppImage.*deb/);
  });
});

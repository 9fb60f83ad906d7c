// The test lanes (vitest.config.ts): every test file runs in exactly one, and no file in the unit lane uses
// what only the integration lane has — PostgreSQL, Redis, a spawned process, Chromium or the built app.
// (The unit lane's setup also refuses PostgreSQL and Redis connections; this catches the rest.)
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/process.js';

/** What a test file names when it needs a server, a process or a build. */
const INTEGRATION_NEEDS = [
  'postgresTestDatabase',
  'DRIVERS',
  'TEST_DATABASE_URL',
  'startApiHarness',
  'startChatHarness',
  'startProxiedChat',
  'useLimiterFixtures',
  'connectedClient',
  'inspector()',
  'TEST_REDIS_URL',
  'TEST_REDIS_ADDRESS',
  'startPrivateRedis',
  'startProcess',
  'node:child_process',
  '/usr/bin/chromium',
  'electron-vite/bin',
];

async function testFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(REPO_ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)));
}

async function integrationList(): Promise<string[]> {
  const config = await readFile(join(REPO_ROOT, 'vitest.config.ts'), 'utf8');
  const list = /export const INTEGRATION_TEST_FILES = \[([^\]]*)\]/.exec(config)?.[1];
  if (list === undefined) throw new Error('vitest.config.ts exports no INTEGRATION_TEST_FILES list');
  return [...list.matchAll(/'([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('the test lanes', () => {
  it('name only files that exist, each once', async () => {
    const all = new Set([...(await testFiles('server/test')), ...(await testFiles('apps/desktop/test'))]);
    const integration = await integrationList();
    expect(integration.filter((file) => !all.has(file))).toEqual([]);
    expect(new Set(integration).size).toBe(integration.length);
  });

  it('keep every file that needs a server, a process or a build out of the unit lane', async () => {
    const integration = new Set(await integrationList());
    const unit = [...(await testFiles('server/test')), ...(await testFiles('apps/desktop/test'))].filter(
      (file) => !integration.has(file) && file !== 'server/test/test-lanes.test.ts',
    );
    const misplaced: string[] = [];
    for (const file of unit) {
      const source = await readFile(join(REPO_ROOT, file), 'utf8');
      const needs = INTEGRATION_NEEDS.filter((need) => source.includes(need));
      if (needs.length > 0) misplaced.push(`${file} (${needs.join(', ')})`);
    }
    expect(misplaced).toEqual([]);
  });
});

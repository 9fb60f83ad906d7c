// Tests poll in one place: support/eventually.ts. A second polling helper or a hand-written deadline loop
// drifts from it (interval, message, deadline) and hides how long a test may wait.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/process.js';

const TEST_FOLDERS = ['server/test', 'apps/desktop/test', 'e2e'];
const THE_HELPER = 'server/test/support/eventually.ts';

/**
 * What a polling helper or loop of its own looks like. (The fake upstream's waitUntil is not one: its
 * state changes wake it, nothing is polled.)
 */
const OWN_POLLING = [
  /\b(?:function|const|let)\s+(?:eventually|poll)\b/,
  /\basync\s+(?:eventually|poll)\s*\(/,
  /while\s*\(.*Date\.now\(\)/,
  /Date\.now\(\)\s*>\s*(?:deadline|until)\b/,
];

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(REPO_ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)));
}

describe('polling in tests', () => {
  it('goes through the one eventually helper', async () => {
    const files = (await Promise.all(TEST_FOLDERS.map(sourceFiles))).flat();
    const own: string[] = [];
    for (const file of files.filter((name) => name !== THE_HELPER && name !== 'server/test/test-polling.test.ts')) {
      const source = await readFile(join(REPO_ROOT, file), 'utf8');
      for (const pattern of OWN_POLLING) if (pattern.test(source)) own.push(`${file}: ${pattern.source}`);
    }
    expect(own).toEqual([]);
  });
});

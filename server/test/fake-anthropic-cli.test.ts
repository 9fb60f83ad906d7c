// The fake upstream's command line (benchmarks and local runs start it so): a flag that is not a whole number stops
// it at once, naming the flag, instead of a fake that silently keeps every body or sends no chunks.
import { describe, expect, it } from 'vitest';
import { freePort, startProcess } from './support/process.js';

const run = (args: string[]) =>
  startProcess('node', ['--import', 'tsx', 'server/test/support/fake-anthropic-cli.ts', ...args], {});

describe('fake-anthropic-cli', () => {
  it.each([
    [['--keep-bodies=-1'], '--keep-bodies must be a whole number of at least 0, not "-1"'],
    [['--keep-bodies', 'all'], '--keep-bodies must be a whole number of at least 0, not "all"'],
    [['--max-chunks', '0'], '--max-chunks must be a whole number of at least 1, not "0"'],
    [['--chunk-delay', '2.5'], '--chunk-delay must be a whole number of at least 0, not "2.5"'],
  ])('refuses %j with exit code 2 and says which flag', async (args, message) => {
    const fake = run(args);
    expect(await fake.exit()).toBe(2);
    expect(fake.output()).toContain(message);
  });

  it('starts with whole numbers', async () => {
    const port = await freePort();
    const fake = run(['--port', String(port), '--keep-bodies', '1', '--max-chunks', '3']);
    try {
      await fake.waitFor(new RegExp(`listening on http://127.0.0.1:${port}`));
    } finally {
      await fake.stop('SIGTERM');
    }
  });
});

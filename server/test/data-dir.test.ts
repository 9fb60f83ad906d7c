// DATA_DIR is its owner's alone: the real server, started on an install from before (0755 folders, 0644
// files) under a permissive umask, leaves every folder in it 0700 and every file 0600.
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startProcess, type RunningProcess } from './support/process.js';

/** Every entry under the folder (itself included) whose mode is not 0700 (folders) or 0600 (files). */
async function looseModes(dir: string): Promise<Record<string, string>> {
  const loose: Record<string, string> = {};
  for (const path of [dir, ...(await readdir(dir, { recursive: true })).map((entry) => join(dir, entry))]) {
    const stats = await lstat(path);
    const mode = stats.mode & 0o777;
    if (mode !== (stats.isDirectory() ? 0o700 : 0o600)) loose[path.slice(dir.length) || '/'] = mode.toString(8);
  }
  return loose;
}

/** The real server on an install from before, under umask 022; each test stops and removes its own. */
async function startOnOldInstall(): Promise<{ server: RunningProcess; dataDir: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'strat-coach-modes-'));
  const dataDir = join(root, 'data');
  // What an earlier version left: readable by every local user.
  await mkdir(join(dataDir, 'exports'), { recursive: true });
  await writeFile(join(dataDir, 'exports', 'notes.txt'), 'a trader’s notes');
  await chmod(join(dataDir, 'exports', 'notes.txt'), 0o644);
  await chmod(join(dataDir, 'exports'), 0o755);
  await chmod(dataDir, 0o755);
  const port = await freePort();
  // umask 022, as a login shell has it: the server must not rely on its caller's.
  const server = startProcess('sh', ['-c', 'umask 022 && exec npx tsx server/src/server.ts'], {
    DATA_DIR: dataDir,
    PORT: String(port),
  });
  const remove = async () => {
    await server.stop('SIGKILL');
    await rm(root, { recursive: true, force: true });
  };
  try {
    await server.waitFor(/Server listening at/, 120_000);
  } catch (error) {
    await remove();
    throw error;
  }
  return { server, dataDir, remove };
}

// Each test starts its own server, so either can run alone or first.
describe('the embedded data folder', () => {
  it('is 0700 with every folder 0700 and every file 0600 once the server runs', async () => {
    const { server, dataDir, remove } = await startOnOldInstall();
    try {
      expect(server.output()).toMatch(/mode: embedded/);
      expect((await readdir(join(dataDir, 'pglite'))).length).toBeGreaterThan(0);
      expect(await looseModes(dataDir)).toEqual({});
    } finally {
      await remove();
    }
  }, 150_000);

  it('stays so after a graceful stop', async () => {
    const { server, dataDir, remove } = await startOnOldInstall();
    try {
      await server.stop('SIGTERM');
      expect(await looseModes(dataDir)).toEqual({});
    } finally {
      await remove();
    }
  }, 150_000);

  it('a folder the server cannot write stops it at start with one line naming DATA_DIR, not a stack trace', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strat-coach-unwritable-'));
    const startIn = async (dataDir: string) => {
      const server = startProcess('npx', ['tsx', 'server/src/server.ts'], {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
      });
      return { code: await server.exit(), output: server.output() };
    };
    try {
      // Under a file, so no user can make it (tests run as root, whom permission bits do not stop).
      await writeFile(join(root, 'file'), '');
      const underFile = join(root, 'file', 'data');
      const refused = await startIn(underFile);
      expect(refused.code).toBe(1);
      expect(refused.output.trim()).toMatch(
        new RegExp(`^strat-coach: DATA_DIR=${underFile} cannot be written by this process \\(ENOTDIR, uid \\d+\\)`),
      );
      expect(refused.output).not.toMatch(/\n\s+at /);

      // A folder it writes in, that is not one it can use (a volume left by another user is the real case).
      const data = join(root, 'data');
      await mkdir(data);
      await writeFile(join(data, 'outbox'), '');
      const outbox = await startIn(data);
      expect(outbox.code).toBe(1);
      expect(outbox.output.trim()).toMatch(
        new RegExp(`^strat-coach: DATA_DIR=${data} cannot be written by this process \\(${data}/outbox: ENOTDIR,`),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 150_000);
});

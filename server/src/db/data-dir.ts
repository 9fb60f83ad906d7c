// DATA_DIR holds the embedded database (conversations, charts) and the issuer's key: its owner's alone.
import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';

/**
 * Creates DATA_DIR when it is missing and checks that this process can write it, before anything else starts: a
 * ConfigError naming it otherwise. Unchecked, the first write there (the settlement outbox's folder, made as the
 * app starts) crashed the server with a stack trace, as a volume this user cannot write would.
 */
export async function checkDataDir(dir: string): Promise<void> {
  await checkFolder(dir, dir, true);
  // A folder the server writes in it, left by another user (a volume first used as root), stops it as well.
  for (const name of DATA_FOLDERS) await checkFolder(dir, join(dir, name), false);
}

/** The folders the server makes in DATA_DIR: the settlement outbox, the embedded database, the issuer's key. */
const DATA_FOLDERS = ['outbox', 'pglite', 'auth'] as const;

async function checkFolder(dataDir: string, folder: string, make: boolean): Promise<void> {
  try {
    if (make) await mkdir(folder, { recursive: true, mode: 0o700 });
    if (!(await stat(folder)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // Not there yet: the server makes it when it first needs it.
    if (!make && code === 'ENOENT') return;
    const where = folder === dataDir ? '' : `${folder}: `;
    throw new ConfigError(
      `DATA_DIR=${dataDir} cannot be written by this process (${where}${code}, uid ${process.getuid?.() ?? '?'}). ` +
        `The server keeps there the turns waiting for the database to record them, and on the embedded default ` +
        `the database and the sign-in key: give it a folder this user can write.`,
    );
  }
}

/**
 * Creates the folder 0700 and tightens what is in it: folders 0700, files to their owner's bits (0600).
 * The umask set at start does not cover it all: PGlite unpacks its first database with the archive's modes
 * (0666 files), and an install from before kept 0755 / 0644. A walk over fs, as chmodr would do, without
 * a dependency for a dozen lines.
 */
export async function restrictToOwner(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries = await readdir(dir, { recursive: true });
  for (const path of [dir, ...entries.map((entry) => join(dir, entry))]) {
    const stats = await lstat(path);
    // A link's own mode means nothing, and its target may be outside DATA_DIR.
    if (stats.isSymbolicLink()) continue;
    const wanted = stats.isDirectory() ? 0o700 : stats.mode & 0o700;
    if ((stats.mode & 0o777) !== wanted) await chmod(path, wanted);
  }
}

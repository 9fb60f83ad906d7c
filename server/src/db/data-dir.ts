// DATA_DIR holds the embedded database (conversations, charts) and the issuer's key: its owner's alone.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

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

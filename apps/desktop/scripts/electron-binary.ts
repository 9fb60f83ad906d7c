// Where Electron's binary is, without downloading it. Since Electron 45, `require('electron')` downloads a
// missing binary on first use (node_modules/electron/index.js), which on a machine without GitHub access
// prints a failed download on every run; this reads the same path.txt and dist/ it would, and says why
// there is no binary instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { path: string; reason: null } | { path: null; reason: string };

export function findElectronBinary(environment: NodeJS.ProcessEnv = process.env): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = environment.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) return found(join(override, executable ?? 'electron'));
  if (!executable) return { path: null, reason: `${pathFile} is missing: the binary was never downloaded` };
  return found(join(packageDir, 'dist', executable));
}

const found = (path: string): ElectronBinary =>
  existsSync(path) ? { path, reason: null } : { path: null, reason: `${path} does not exist` };

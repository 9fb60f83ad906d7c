// Finding Electron's binary without Electron 45's download-on-require: a binary where Electron would look
// is found; none gives a reason the e2e run and `npm start` print.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../scripts/electron-binary';

describe('findElectronBinary', () => {
  it('finds a binary under ELECTRON_OVERRIDE_DIST_PATH, as require("electron") would', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'strat-coach-electron-dist-'));
    try {
      const found = findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist });
      expect(found.path).toBeNull();
      expect(found.reason).toMatch(/does not exist/);
      // The executable's name as path.txt gives it where Electron was downloaded ("electron" on Linux), else "electron".
      const pathTxt = join(dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'path.txt');
      const name = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : 'electron';
      await mkdir(dirname(join(dist, name)), { recursive: true });
      await writeFile(join(dist, name), '');
      expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual({
        path: join(dist, name),
        reason: null,
      });
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });

  it('says why when there is no binary, without downloading one', () => {
    const found = findElectronBinary({});
    if (found.path === null) expect(found.reason).toMatch(/path\.txt is missing|does not exist/);
    else expect(found.path).toContain('electron');
  });
});

// The settings file, on a real temporary folder: a new user starts from the defaults without a notice, an
// unreadable file resets with one, writes are owner-only and atomic (a failed write leaves the old file
// whole), and writes made together land in the order they were made.
import * as fs from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonFile, type SettingsFs } from '../src/main/settings-file';
import {
  parsePinnedRegions,
  PINNED_RESET_NOTICE,
  serializePinnedRegions,
  type PinnedRegion,
} from '../src/shared/pinned-regions';

const SPY: PinnedRegion = {
  id: 'r1',
  label: 'SPY 60m',
  source: { kind: 'display', displayId: '2' },
  rect: { x: 100, y: 60, width: 1200, height: 700 },
  sourceSize: { width: 3840, height: 2160 },
  createdAt: '2025-03-14T15:30:00.000Z',
};
const ES: PinnedRegion = { ...SPY, id: 'r2', label: 'ES D' };

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strat-coach-settings-'));
  file = join(dir, 'userData', 'settings', 'pinned-regions.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pinned regions' file, as main keeps it. */
const pinnedFile = (port: SettingsFs = fs) =>
  createJsonFile<PinnedRegion[]>({
    file,
    fs: port,
    parse: (json) => {
      const { regions, notice } = parsePinnedRegions(json);
      return { value: regions, notice };
    },
    serialize: serializePinnedRegions,
  });

describe('createJsonFile', () => {
  it('starts a new user from the empty value, without a notice, when there is no file or folder yet', async () => {
    expect(await pinnedFile().read()).toEqual({ value: [], notice: null });
  });

  it('creates the folder and writes owner-only JSON that reads back', async () => {
    const settings = pinnedFile();
    await settings.write([SPY, ES]);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'userData', 'settings'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ schemaVersion: 2, regions: [SPY, ES] });
    expect(await settings.read()).toEqual({ value: [SPY, ES], notice: null });
    // Nothing but the file itself is left in the folder.
    expect(await readdir(join(dir, 'userData', 'settings'))).toEqual(['pinned-regions.json']);
  });

  it('resets a file that is not JSON, with the parser’s notice', async () => {
    await mkdir(join(dir, 'userData', 'settings'), { recursive: true });
    for (const corrupt of ['{"schemaVersion": 2, "regions": [', '', 'null']) {
      await writeFile(file, corrupt);
      expect(await pinnedFile().read()).toEqual({ value: [], notice: PINNED_RESET_NOTICE });
    }
  });

  it('passes the parser’s own repairs through', async () => {
    await mkdir(join(dir, 'userData', 'settings'), { recursive: true });
    await writeFile(file, JSON.stringify({ schemaVersion: 2, regions: [SPY, { id: 'broken' }] }));
    expect(await pinnedFile().read()).toEqual({
      value: [SPY],
      notice: '1 pinned region could not be read and was removed.',
    });
  });

  it('reports a file it may not read rather than treating it as missing', async () => {
    await mkdir(file, { recursive: true });
    await expect(pinnedFile().read()).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('leaves the old file whole when a write fails before it is complete', async () => {
    await pinnedFile().write([SPY]);
    const before = await readFile(file, 'utf8');
    // The process dies (here: rename fails) after the new content went to the temporary file.
    const failing: SettingsFs = {
      ...fs,
      rename: async () => {
        throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      },
    };

    await expect(pinnedFile(failing).write([SPY, ES])).rejects.toMatchObject({ code: 'EIO' });

    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await pinnedFile().read()).toEqual({ value: [SPY], notice: null });
    expect(await readdir(join(dir, 'userData', 'settings'))).toEqual(['pinned-regions.json']);
  });

  it('is not fooled by a temporary file a crash left behind', async () => {
    await pinnedFile().write([SPY]);
    await writeFile(`${file}.tmp`, '{"schemaVersion": 2, "regi', { mode: 0o644 });

    expect(await pinnedFile().read()).toEqual({ value: [SPY], notice: null });
    await pinnedFile().write([ES]);
    expect(await pinnedFile().read()).toEqual({ value: [ES], notice: null });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('lands writes made together in the order they were made, and carries on after a failed one', async () => {
    let failNext = false;
    const flaky: SettingsFs = {
      ...fs,
      writeFile: async (path, data, options) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        await fs.writeFile(path, data, options);
      },
    };
    const settings = pinnedFile(flaky);

    await Promise.all([settings.write([SPY]), settings.write([ES]), settings.write([SPY, ES])]);
    expect(await settings.read()).toEqual({ value: [SPY, ES], notice: null });

    failNext = true;
    const failed = settings.write([]);
    const next = settings.write([ES]);
    await expect(failed).rejects.toMatchObject({ code: 'ENOSPC' });
    await next;
    expect(await settings.read()).toEqual({ value: [ES], notice: null });
  });
});

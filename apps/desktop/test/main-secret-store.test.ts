// The refresh token's file store: encrypted through safeStorage when the OS has a keychain, refused (and
// nothing written) when safeStorage would only pretend to encrypt; unreadable files are forgotten.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEncryptedFileStore, NO_KEYCHAIN_REASON } from '../src/main/auth/secret-store';
import { silentLogger } from '../src/main/log';
import { keychain } from './support/keychain';

const SECRET = 'refresh-token-0123456789abcdefghijklmnopqrstuvwxyz';
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strat-coach-secret-'));
  file = join(dir, 'userData', 'session.bin');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('with a keychain', () => {
  it('writes the secret encrypted, owner-only, and reads it back', async () => {
    const store = createEncryptedFileStore({ safeStorage: keychain(), file, platform: 'linux', log: silentLogger });

    expect(await store.save(SECRET)).toEqual({ stored: true });

    const onDisk = await readFile(file);
    expect(onDisk.toString('latin1')).not.toContain(SECRET);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await store.load()).toBe(SECRET);

    await store.clear();
    expect(await exists(file)).toBe(false);
    expect(await store.load()).toBeNull();
  });

  it('forgets a file the keychain can no longer decrypt', async () => {
    await createEncryptedFileStore({ safeStorage: keychain(), file, platform: 'darwin', log: silentLogger }).save(
      SECRET,
    );
    // Another keychain (a reset keyring, a copied profile) cannot read it.
    const store = createEncryptedFileStore({ safeStorage: keychain(), file, platform: 'darwin', log: silentLogger });

    expect(await store.load()).toBeNull();
    expect(await exists(file)).toBe(false);
  });
});

describe('without a real keychain', () => {
  it.each([
    ['encryption is unavailable', keychain({ available: false }), 'win32'],
    ['Linux falls back to basic_text', keychain({ backend: 'basic_text' }), 'linux'],
  ] as const)('refuses to store when %s, and writes nothing', async (_case, safeStorage, platform) => {
    const store = createEncryptedFileStore({ safeStorage, file, platform, log: silentLogger });

    const result = await store.save(SECRET);

    expect(result).toEqual({ stored: false, reason: expect.stringContaining(NO_KEYCHAIN_REASON) });
    expect(await exists(file)).toBe(false);
    expect(await store.load()).toBeNull();
  });

  it('drops a secret saved while a keychain was still there', async () => {
    await createEncryptedFileStore({ safeStorage: keychain(), file, platform: 'linux', log: silentLogger }).save(
      SECRET,
    );
    const store = createEncryptedFileStore({
      safeStorage: keychain({ backend: 'basic_text' }),
      file,
      platform: 'linux',
      log: silentLogger,
    });

    expect(await store.save(SECRET)).toMatchObject({ stored: false });
    expect(await exists(file)).toBe(false);
  });

  it('trusts basic_text only where it means nothing (it is a Linux backend)', async () => {
    const store = createEncryptedFileStore({
      safeStorage: keychain({ backend: 'basic_text' }),
      file,
      platform: 'darwin',
      log: silentLogger,
    });
    expect(await store.save(SECRET)).toEqual({ stored: true });
  });
});

// Where the refresh token survives a restart: an encrypted file, the key held by the OS keychain through
// Electron's safeStorage (injected, so this stays testable in Node). Plaintext is refused, never written.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SessionStore, StoreResult } from '../../shared/auth/session';
import type { Logger } from '../log';

/** The shared session's store, as main keeps it. */
export type SecretStore = SessionStore;
export type { StoreResult };

/** What the store needs of Electron's safeStorage. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only: which keyring backs the encryption key ('basic_text' is a hard-coded key, i.e. plaintext). */
  getSelectedStorageBackend?(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export const NO_KEYCHAIN_REASON =
  'Your system offers no secure keychain to Strat Coach, so your sign-in is kept only until the app quits.';

/** Why safeStorage must not be trusted with a secret here, or null when it may. */
export function plaintextReason(safeStorage: SafeStorageLike, platform: NodeJS.Platform): string | null {
  if (!safeStorage.isEncryptionAvailable()) return NO_KEYCHAIN_REASON;
  // On Linux without a keyring Electron "encrypts" with a fixed key: that is plaintext on disk.
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
    return `${NO_KEYCHAIN_REASON} (Install and unlock a keyring such as GNOME Keyring or KWallet to stay signed in.)`;
  }
  return null;
}

export function createEncryptedFileStore(options: {
  safeStorage: SafeStorageLike;
  file: string;
  platform: NodeJS.Platform;
  log: Logger;
}): SecretStore {
  const { safeStorage, file, platform, log } = options;

  const clear = async () => {
    await rm(file, { force: true });
  };

  return {
    async load() {
      if (plaintextReason(safeStorage, platform)) return null;
      let encrypted: Buffer;
      try {
        encrypted = await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      try {
        return safeStorage.decryptString(encrypted);
      } catch {
        // The keychain changed (new machine, reset keyring): the old secret is unreadable for good.
        log.warn('stored session unreadable; forgetting it', { file });
        await clear();
        return null;
      }
    },

    async save(secret) {
      const reason = plaintextReason(safeStorage, platform);
      if (reason) {
        // A secret saved under an earlier, real keychain is stale now: drop it rather than keep two truths.
        await clear();
        return { stored: false, reason };
      }
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      // Write then rename: a crash never leaves half a token behind.
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, safeStorage.encryptString(secret), { mode: 0o600 });
      await rename(temporary, file);
      return { stored: true };
    },

    clear,
  };
}

/** Keeps nothing: for tests and for hosts that must not persist a session. */
export function createMemoryOnlyStore(reason: string): SecretStore {
  return {
    load: async () => null,
    save: async () => ({ stored: false, reason }),
    clear: async () => undefined,
  };
}

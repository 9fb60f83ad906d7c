// Electron's implementations of the ports the pure modules take: screen capture and safeStorage.
import { app, desktopCapturer, safeStorage, screen, systemPreferences } from 'electron';
import { join } from 'node:path';
import type { CapturePorts } from './capture';
import { createEncryptedFileStore, type SecretStore } from './auth/secret-store';
import type { Logger } from './log';

export function electronCapturePorts(): CapturePorts {
  return {
    cursorScreenPoint: () => screen.getCursorScreenPoint(),
    displayNearestPoint: (point) => screen.getDisplayNearestPoint(point),
    getSources: (options) => desktopCapturer.getSources(options),
    ...(process.platform === 'darwin' ? { screenAccess: () => systemPreferences.getMediaAccessStatus('screen') } : {}),
  };
}

/** The refresh token, encrypted by the OS keychain, in the user's app data folder. Call after `ready`. */
export function electronSecretStore(log: Logger): SecretStore {
  return createEncryptedFileStore({
    safeStorage,
    file: join(app.getPath('userData'), 'session', 'refresh-token.bin'),
    platform: process.platform,
    log,
  });
}

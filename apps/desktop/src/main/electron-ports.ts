// Electron's implementations of the ports the pure modules take: screen capture, global shortcuts and
// safeStorage.
import {
  app,
  desktopCapturer,
  globalShortcut,
  safeStorage,
  screen,
  systemPreferences,
  type BrowserWindow,
} from 'electron';
import { join } from 'node:path';
import type { CapturePorts } from './capture';
import { createEncryptedFileStore, type SecretStore } from './auth/secret-store';
import type { Logger } from './log';
import type { GlobalShortcutPort } from './shortcuts';

export function electronCapturePorts(windows: {
  /** The coach window, when there is one. */
  coach(): BrowserWindow | null;
  /** The capture ids of every window of the app's own (coach, crop). */
  ownMediaSourceIds(): string[];
}): CapturePorts {
  return {
    displays: () => screen.getAllDisplays(),
    cursorDisplay: () => screen.getDisplayNearestPoint(screen.getCursorScreenPoint()),
    coachDisplayId: () => {
      const coach = windows.coach();
      return coach ? screen.getDisplayMatching(coach.getBounds()).id : null;
    },
    getSources: (options) => desktopCapturer.getSources(options),
    ownWindowIds: () => windows.ownMediaSourceIds(),
    ...(process.platform === 'darwin' ? { screenAccess: () => systemPreferences.getMediaAccessStatus('screen') } : {}),
  };
}

export const electronGlobalShortcuts = (): GlobalShortcutPort => ({
  register: (accelerator, callback) => globalShortcut.register(accelerator, callback),
  unregister: (accelerator) => globalShortcut.unregister(accelerator),
});

/** The refresh token, encrypted by the OS keychain, in the user's app data folder. Call after `ready`. */
export function electronSecretStore(log: Logger): SecretStore {
  return createEncryptedFileStore({
    safeStorage,
    file: join(app.getPath('userData'), 'session', 'refresh-token.bin'),
    platform: process.platform,
    log,
  });
}

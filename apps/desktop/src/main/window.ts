// The compact coach window, locked down: isolated, sandboxed, no Node, web security on; it can only show
// the app — navigation away is cancelled and new windows are refused, with http(s) links handed to the OS.
// Content-protected, so no capture (ours or another app's) shows it on macOS and Windows.
import { BrowserWindow, nativeTheme, shell, type WebContents } from 'electron';
import { windowBackground, type ThemeChoice } from '../shared/theme';
import type { AppUrlPolicy } from './app-url';
import { externalLink, loggableOrigin } from './app-url';
import { describeError, type Logger } from './log';

/** The settings e2e checks: a renderer compromise must not reach Node or other origins. */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  // The renderer takes dropped chart images itself; a drop must never navigate the window to a file.
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** Applied to every webContents the app creates (see app 'web-contents-created'), not only the coach window. */
export function lockDown(contents: WebContents, policy: AppUrlPolicy, log: Logger): void {
  const refuseNavigation = (event: { preventDefault(): void }, url: string) => {
    if (policy.isAppUrl(url)) return;
    event.preventDefault();
    log.warn('navigation blocked', { to: loggableOrigin(url) });
  };
  contents.on('will-navigate', (event) => refuseNavigation(event, event.url));
  contents.on('will-redirect', (event) => refuseNavigation(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const link = externalLink(url);
    if (link) {
      shell
        .openExternal(link)
        .catch((error: unknown) => log.warn('could not open link', { error: describeError(error) }));
    }
    return { action: 'deny' };
  });
}

export function createCoachWindow(options: { preload: string; policy: AppUrlPolicy; log: Logger }): BrowserWindow {
  const window = new BrowserWindow({
    width: 440,
    height: 680,
    minWidth: 360,
    minHeight: 480,
    show: false,
    title: 'Strat Coach',
    backgroundColor: windowBackground(nativeTheme.themeSource, nativeTheme.shouldUseDarkColors),
    autoHideMenuBar: true,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: options.preload },
  });
  // A no-op on Linux, where capture-shield.ts hides the window while a frame is taken instead.
  window.setContentProtection(true);
  window.once('ready-to-show', () => window.show());
  window.loadURL(options.policy.entryUrl).catch((error: unknown) => {
    options.log.error('could not load the renderer', {
      url: loggableOrigin(options.policy.entryUrl),
      error: describeError(error),
    });
  });
  return window;
}

/**
 * The trader's theme for the whole app: native menus and dialogs, and the windows' prefers-color-scheme,
 * which their CSS follows. The coach window's background (seen while it loads or resizes) follows too.
 */
export function showTheme(theme: ThemeChoice, coach: BrowserWindow | null): void {
  nativeTheme.themeSource = theme;
  coach?.setBackgroundColor(windowBackground(theme, nativeTheme.shouldUseDarkColors));
}

/** Shows and focuses the window, restoring it if minimised (tray, shortcut, second launch). */
export function bringToFront(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Runs `deliver` once the window's page can hear it: now, or after the first load on a cold start. */
export function whenLoaded(window: BrowserWindow, deliver: () => void): void {
  if (window.webContents.isLoading()) window.webContents.once('did-finish-load', deliver);
  else deliver();
}

// The crop overlay: a frameless window, above everything, exactly over one display, where the renderer's
// `#crop` view shows the frozen frame 1:1. Locked down like the coach window; however it goes away, the crop
// is cancelled (capture-session.ts settles it once).
import { BrowserWindow, screen, type Display, type WebFrameMain } from 'electron';
import type { AppUrlPolicy } from './app-url';
import { loggableOrigin } from './app-url';
import type { DisplayLike } from './capture';
import type { CropOverlay } from './capture-session';
import { describeError, type Logger } from './log';
import { SECURE_WEB_PREFERENCES } from './window';

export interface CropWindows {
  open(display: DisplayLike, onGone: () => void): CropOverlay;
  /** The open crop window's main frame: the only sender the crop channels accept. */
  mainFrame(): WebFrameMain | null;
  /** Its capture id, so that it is never offered as a source. */
  mediaSourceId(): string | null;
}

export function createCropWindows(options: { preload: string; policy: AppUrlPolicy; log: Logger }): CropWindows {
  let current: BrowserWindow | null = null;
  const live = () => (current && !current.isDestroyed() ? current : null);

  return {
    open(display, onGone) {
      const window = new BrowserWindow({
        ...display.bounds,
        show: false,
        frame: false,
        resizable: false,
        movable: false,
        minimizable: false,
        maximizable: false,
        fullscreenable: false,
        skipTaskbar: true,
        alwaysOnTop: true,
        hasShadow: false,
        // macOS would otherwise keep the window below the menu bar.
        enableLargerThanScreen: true,
        title: 'Strat Coach — crop',
        backgroundColor: '#000000',
        webPreferences: { ...SECURE_WEB_PREFERENCES, preload: options.preload },
      });
      current = window;
      window.setAlwaysOnTop(true, 'screen-saver');
      window.setContentProtection(true);
      // Over a chart app in its own full-screen space, too. Without skipTransformProcessType Electron would
      // turn the app into a UI element (no Dock icon) and, the window being destroyed, never turn it back.
      if (process.platform === 'darwin') {
        window.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true, skipTransformProcessType: true });
      }

      // destroy, not close: a page's beforeunload must not keep a full-screen overlay up.
      const close = () => {
        if (!window.isDestroyed()) window.destroy();
      };
      const onDisplayRemoved = (_event: unknown, removed: Display) => {
        if (removed.id === display.id) close();
      };
      screen.on('display-removed', onDisplayRemoved);
      window.once('closed', () => {
        screen.off('display-removed', onDisplayRemoved);
        if (current === window) current = null;
        onGone();
      });
      const contents = window.webContents;
      contents.on('render-process-gone', close);
      contents.on('did-fail-load', (_event, _code, _description, _url, isMainFrame) => {
        if (isMainFrame) close();
      });
      // Escape always gets the trader out, even from a page that failed to draw or hangs.
      contents.on('before-input-event', (event, input) => {
        if (input.type !== 'keyDown' || input.key !== 'Escape') return;
        event.preventDefault();
        close();
      });
      window.once('ready-to-show', () => {
        // Again once placed: across displays of different scale factors the first size can be off.
        window.setBounds(display.bounds);
        window.show();
        window.focus();
      });
      const url = `${options.policy.entryUrl}#crop`;
      window.loadURL(url).catch((error: unknown) => {
        options.log.error('could not load the crop view', { url: loggableOrigin(url), error: describeError(error) });
        close();
      });

      return {
        focus: () => {
          if (window.isDestroyed()) return;
          window.show();
          window.focus();
        },
        close,
      };
    },

    mainFrame: () => live()?.webContents.mainFrame ?? null,

    mediaSourceId: () => live()?.getMediaSourceId() ?? null,
  };
}

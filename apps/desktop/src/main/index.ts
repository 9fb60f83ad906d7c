// Electron main process entry: one instance, the app:// scheme, the locked-down coach window, the crop
// overlay, the tray's meter and menu, global shortcuts, settings and the IPC bridge. Wiring only: the logic
// is in pure modules.
import * as nodeFs from 'node:fs/promises';
import { app, net, protocol, session, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createSessionClient } from '../shared/auth/session-client';
import type { PushChannel, PushContract } from '../shared/ipc-channels';
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import { serveAppFile } from './app-protocol';
import { createAppSettings } from './app-settings';
import { APP_SCHEME, createAppUrlPolicy } from './app-url';
import { createMainAuthSession } from './auth/session';
import { registerCoachHandlers } from './bridge';
import { createCaptureSession } from './capture-session';
import { createCaptureShield } from './capture-shield';
import { createCoachStreams } from './coach-streams';
import { createCropWindows } from './crop-window';
import { electronCapturePorts, electronGlobalShortcuts, electronSecretStore } from './electron-ports';
import { createElectronIpcRouter } from './ipc-router-electron';
import { consoleLogger, describeError } from './log';
import { createShortcuts } from './shortcuts';
import { createCoachTray } from './tray';
import type { TrayCommand } from './tray-menu';
import { pollOnline } from './online-events';
import { usageCurrentPath } from '../shared/usage-after-answer';
import { createUsageMeter } from './usage-meter';
import { bringToFront, createCoachWindow, lockDown, showTheme, whenLoaded } from './window';

const SERVER_URL = (process.env.STRAT_COACH_SERVER_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
/** `strat-coach --quick-question` (e.g. bound to a Stream Deck key) asks the running instance. */
const QUICK_QUESTION_ARG = '--quick-question';
// Built layout: out/main/index.js, out/preload/index.cjs, out/renderer/.
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs');
const RENDERER_DIR = join(import.meta.dirname, '../renderer');

const log = consoleLogger;

app.setName('Strat Coach');
// Before `ready`: a standard, secure scheme gets an origin, so 'self', fetch and storage work as on https.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  // The dev server only when not packaged: a packaged app never loads a URL from its environment.
  const policy = createAppUrlPolicy(app.isPackaged ? null : (process.env.ELECTRON_RENDERER_URL ?? null));
  let coachWindow: BrowserWindow | null = null;
  let quitting = false;
  let quickQuestion: (presetId: string | null) => void = () => undefined;

  app.on('web-contents-created', (_event, contents) => lockDown(contents, policy, log));
  app.on('second-instance', (_event, argv) => {
    if (argv.includes(QUICK_QUESTION_ARG)) quickQuestion(null);
    else if (coachWindow) bringToFront(coachWindow);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  // The app lives in the tray: closing the window hides it (and keeps the conversation on screen).
  app.on('window-all-closed', () => undefined);

  void app
    .whenReady()
    .then(() => {
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
        callback(policy.isPermissionAllowed(permission, details.requestingUrl)),
      );
      ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
        policy.isPermissionAllowed(permission, requestingOrigin),
      );
      protocol.handle(APP_SCHEME, (request) => serveAppFile(RENDERER_DIR, request));

      const authSession = createMainAuthSession({
        serverUrl: SERVER_URL,
        // Looked up at call time, so the e2e suite can stand in for the browser.
        openExternal: (url) => shell.openExternal(url),
        store: electronSecretStore(log),
        log,
        onOnline: pollOnline(() => net.isOnline()),
      });
      // Every API call of main (window, tray meter, answers): a 401 refreshes once and asks again.
      const client = createSessionClient({ baseUrl: SERVER_URL, session: authSession });

      const liveWindow = () => (coachWindow && !coachWindow.isDestroyed() ? coachWindow : null);
      const push = <C extends PushChannel>(channel: C, payload: PushContract[C]) => {
        liveWindow()?.webContents.send(channel, payload);
      };
      const showWindow = () => bringToFront(ensureWindow());
      /** Tray and shortcuts: the coach window comes forward, then its renderer captures and asks. */
      const askRenderer = <C extends 'app:quick-question' | 'app:recapture-pinned'>(
        channel: C,
        payload: PushContract[C],
      ) => {
        const window = ensureWindow();
        bringToFront(window);
        whenLoaded(window, () => push(channel, payload));
      };
      quickQuestion = (presetId) => askRenderer('app:quick-question', presetId);

      const shortcuts = createShortcuts(
        electronGlobalShortcuts(),
        { quickQuestion: () => quickQuestion(null), recapturePinned: () => askRenderer('app:recapture-pinned', null) },
        process.platform,
      );
      const settings = createAppSettings({
        dir: app.getPath('userData'),
        fs: nodeFs,
        shortcuts,
        applyTheme: (theme) => showTheme(theme, liveWindow()),
        log,
      });
      const cropWindows = createCropWindows({ preload: PRELOAD, policy, log });
      const capture = createCaptureSession({
        ports: electronCapturePorts({
          coach: liveWindow,
          ownMediaSourceIds: () =>
            [liveWindow()?.getMediaSourceId(), cropWindows.mediaSourceId()].filter((id) => typeof id === 'string'),
        }),
        shield: createCaptureShield({ platform: process.platform, window: liveWindow }),
        openOverlay: (display, onGone) =>
          cropWindows.open(display, () => {
            onGone();
            // Back to the question box the capture was started from (not to whatever was under the overlay).
            const coach = liveWindow();
            if (coach?.isVisible()) coach.focus();
          }),
        lastSource: () => settings.lastSource(),
        rememberSource: (source) => settings.rememberSource(source),
        log,
      });

      const runTrayCommand = (command: TrayCommand) => {
        if (command.kind === 'quick-question') quickQuestion(command.presetId);
        else if (command.kind === 'recapture-pinned') askRenderer('app:recapture-pinned', null);
        else if (command.kind === 'show') showWindow();
        else if (command.kind === 'sign-in') void authSession.signIn();
        else if (command.kind === 'sign-out') void authSession.signOut();
        else app.quit();
      };
      const tray = createCoachTray(runTrayCommand);
      // Rebuilt whenever what it shows changes: the meter, the session, presets, pinned regions, shortcuts.
      const showTray = () =>
        tray.show({
          view: meter.view(),
          session: authSession.state(),
          ...settings.snapshot(),
          shortcuts: settings.shortcuts(),
          platform: process.platform,
        });
      const meter = createUsageMeter({
        session: () => authSession.state(),
        fetchUsage: (settled) => client.get<UsageCurrentResponse>(usageCurrentPath(settled)),
        onView: showTray,
        // One read serves both meters: the window takes the tray's instead of reading the usage itself.
        onUsage: (usage) => push('usage:changed', usage),
      });
      settings.onChange(showTray);
      const streams = createCoachStreams({ client, log, onFinished: meter.afterAnswer });

      const router = createElectronIpcRouter({
        coachFrame: () => liveWindow()?.webContents.mainFrame ?? null,
        cropFrame: () => cropWindows.mainFrame(),
        isAppUrl: policy.isAppUrl,
        log,
      });
      registerCoachHandlers({ router, session: authSession, client, streams, capture, settings, push });
      authSession.onChange(() => void meter.refresh());

      function ensureWindow(): BrowserWindow {
        const existing = liveWindow();
        if (existing) return existing;
        const window = createCoachWindow({ preload: PRELOAD, policy, log });
        window.on('close', (event) => {
          if (quitting) return;
          event.preventDefault();
          window.hide();
        });
        // A reload or a crashed renderer cannot receive its answers any more: stop paying for them.
        window.webContents.on('did-start-navigation', (details) => {
          if (details.isMainFrame && !details.isSameDocument) streams.cancelAll();
        });
        window.webContents.on('render-process-gone', () => streams.cancelAll());
        coachWindow = window;
        return window;
      }

      ensureWindow();
      showTray();
      // The tray lists the presets and says whether anything is pinned; the shortcuts are bound as saved.
      void Promise.all([
        settings.presets(),
        settings.pinnedRegions(),
        settings.applyShortcuts(),
        settings.theme(),
      ]).then(
        ([, , status]) => {
          for (const [action, state] of Object.entries(status)) {
            if (state.status !== 'active' && state.status !== 'off') {
              log.warn('shortcut not bound', { action, accelerator: state.accelerator, status: state.status });
            }
          }
        },
        (error: unknown) => log.error('settings could not be loaded', { error: describeError(error) }),
      );
      app.on('activate', showWindow);
      app.on('will-quit', () => {
        shortcuts.release();
        capture.cropCancel();
        streams.cancelAll();
        meter.stop();
        authSession.dispose();
        tray.destroy();
      });

      void authSession.restore();
      if (process.argv.includes(QUICK_QUESTION_ARG)) quickQuestion(null);
      log.info('strat coach started', { server: SERVER_URL, renderer: policy.entryUrl });
    })
    .catch((error: unknown) => {
      log.error('startup failed', { error: describeError(error) });
      app.exit(1);
    });
}

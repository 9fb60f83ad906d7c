// Electron main process entry: one instance, the app:// scheme, the locked-down coach window, the tray's
// usage meter, the quick-question shortcut, and the IPC bridge. Wiring only: the logic is in pure modules.
import { app, globalShortcut, ipcMain, protocol, session, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createCoachClient } from '../shared/coach-client';
import type { PushChannel, PushContract } from '../shared/ipc-channels';
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import { serveAppFile } from './app-protocol';
import { APP_SCHEME, createAppUrlPolicy } from './app-url';
import { createAuthSession } from './auth/session';
import { registerCoachHandlers } from './bridge';
import { captureDisplayUnderCursor } from './capture';
import { createCaptureFlow } from './capture-flow';
import { createCoachStreams } from './coach-streams';
import { electronCapturePorts, electronSecretStore } from './electron-ports';
import { createIpcRouter } from './ipc-router';
import { consoleLogger, describeError } from './log';
import { createCoachTray } from './tray';
import { createUsageMeter } from './usage-meter';
import { bringToFront, createCoachWindow, lockDown } from './window';

const SERVER_URL = (process.env.STRAT_COACH_SERVER_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
const QUICK_QUESTION_SHORTCUT = 'CommandOrControl+Shift+Space';
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
  let quickQuestion: () => Promise<void> = async () => undefined;

  app.on('web-contents-created', (_event, contents) => lockDown(contents, policy, log));
  app.on('second-instance', (_event, argv) => {
    if (argv.includes(QUICK_QUESTION_ARG)) void quickQuestion();
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

      const authSession = createAuthSession({
        serverUrl: SERVER_URL,
        // Looked up at call time, so the e2e suite can stand in for the browser.
        openExternal: (url) => shell.openExternal(url),
        store: electronSecretStore(log),
        log,
      });
      const client = createCoachClient({ baseUrl: SERVER_URL, accessToken: () => authSession.accessToken() });

      const liveWindow = () => (coachWindow && !coachWindow.isDestroyed() ? coachWindow : null);
      const push = <C extends PushChannel>(channel: C, payload: PushContract[C]) => {
        liveWindow()?.webContents.send(channel, payload);
      };
      const showWindow = () => bringToFront(ensureWindow());

      const tray = createCoachTray(
        {
          quickQuestion: () => void quickQuestion(),
          showWindow,
          signIn: () => void authSession.signIn(),
          signOut: () => void authSession.signOut(),
          quit: () => app.quit(),
        },
        { quickQuestionAccelerator: QUICK_QUESTION_SHORTCUT },
      );
      const meter = createUsageMeter({
        session: () => authSession.state(),
        fetchUsage: () => client.get<UsageCurrentResponse>('/usage/current'),
        onView: (view) => tray.show(view, authSession.state()),
      });
      const streams = createCoachStreams({ client, log, onFinished: () => void meter.refresh() });
      const captureFlow = createCaptureFlow({
        capture: () => captureDisplayUnderCursor(electronCapturePorts()),
        window: liveWindow,
      });

      const router = createIpcRouter({
        register: (channel, listener) => ipcMain.handle(channel, listener),
        trustedFrame: () => liveWindow()?.webContents.mainFrame ?? null,
        isAppUrl: policy.isAppUrl,
        log,
      });
      registerCoachHandlers({
        router,
        session: authSession,
        client,
        streams,
        capture: () => captureFlow.captureForRenderer(),
        push,
      });
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

      quickQuestion = async () => {
        // A failed capture still brings the question box forward; the renderer's capture call reports it.
        await captureFlow.captureForQuickQuestion().catch((error: unknown) => {
          log.error('quick question capture failed', { error: describeError(error) });
        });
        const window = ensureWindow();
        bringToFront(window);
        // On a cold start the renderer may still be loading; it must hear the question once it is there.
        if (window.webContents.isLoading()) {
          window.webContents.once('did-finish-load', () => push('app:quick-question', null));
        } else {
          push('app:quick-question', null);
        }
      };

      ensureWindow();
      tray.show(meter.view(), authSession.state());
      if (!globalShortcut.register(QUICK_QUESTION_SHORTCUT, () => void quickQuestion())) {
        log.warn('quick question shortcut taken by another app', { accelerator: QUICK_QUESTION_SHORTCUT });
      }
      app.on('activate', showWindow);
      app.on('will-quit', () => {
        globalShortcut.unregisterAll();
        streams.cancelAll();
        meter.stop();
        tray.destroy();
      });

      void authSession.restore();
      if (process.argv.includes(QUICK_QUESTION_ARG)) void quickQuestion();
      log.info('strat coach started', { server: SERVER_URL, renderer: policy.entryUrl });
    })
    .catch((error: unknown) => {
      log.error('startup failed', { error: describeError(error) });
      app.exit(1);
    });
}

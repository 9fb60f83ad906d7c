// Electron main process entry: one instance, the app:// scheme, the locked-down coach window, the crop
// overlay, the tray's meter and menu, the app menu, global shortcuts, settings, updates, the log file and
// the IPC bridge. Wiring only: the logic is in pure modules.
import * as nodeFs from 'node:fs/promises';
import { app, clipboard, dialog, Menu, net, protocol, session, shell, type BrowserWindow } from 'electron';
import electronLog from 'electron-log/node';
import { arch, release } from 'node:os';
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
import { appMenuTemplate, debugEnabled, refusedDebugSwitch } from './app-menu';
import { diagnosticsText } from './diagnostics';
import { describeError } from './log';
import { createAppLog } from './log-file';
import { createCrashRecovery } from './renderer-crash';
import { resolveServerUrl, SERVER_URL_VARIABLE, serverNotice } from './server-url';
import { startUpdater } from './updater';
import { createShortcuts } from './shortcuts';
import { createCoachTray } from './tray';
import type { TrayCommand } from './tray-menu';
import { pollOnline } from './online-events';
import { usageCurrentPath } from '../shared/usage-after-answer';
import { createUsageMeter } from './usage-meter';
import { bringToFront, createCoachWindow, lockDown, showTheme, whenLoaded } from './window';

/** The production server, set at build time (electron.vite.config.ts, STRAT_COACH_BUILD_SERVER_URL). */
declare const __STRAT_COACH_BUILD_SERVER_URL__: string;
/** `strat-coach --quick-question` (e.g. bound to a Stream Deck key) asks the running instance. */
const QUICK_QUESTION_ARG = '--quick-question';
// Built layout: out/main/index.js, out/preload/index.cjs, out/renderer/.
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs');
const RENDERER_DIR = join(import.meta.dirname, '../renderer');

app.setName('Strat Coach');
// electron-log's Node flavour: its Electron flavour would open IPC channels of its own, outside the router.
const log = createAppLog({ logger: electronLog.create({ logId: 'strat-coach' }), userData: app.getPath('userData') });
const debug = debugEnabled(process.env, app.isPackaged);
// Before anything opens: a packaged app started so that another process can drive its pages quits.
const refusedSwitch = refusedDebugSwitch((name) => app.commandLine.hasSwitch(name), app.isPackaged);
// Before `ready`: a standard, secure scheme gets an origin, so 'self', fetch and storage work as on https.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

if (refusedSwitch) {
  log.error('started with a remote-debugging switch: a packaged app refuses it, and quits', { switch: refusedSwitch });
  app.exit(1);
} else if (!app.requestSingleInstanceLock()) {
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
    .then(async () => {
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
        callback(policy.isPermissionAllowed(permission, details.requestingUrl)),
      );
      ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
        policy.isPermissionAllowed(permission, requestingOrigin),
      );
      protocol.handle(APP_SCHEME, (request) => serveAppFile(RENDERER_DIR, request));

      const secretStore = electronSecretStore(log);
      const server = await resolveServerUrl({
        dir: app.getPath('userData'),
        fs: nodeFs,
        packaged: app.isPackaged,
        environment: process.env[SERVER_URL_VARIABLE],
        buildUrl: __STRAT_COACH_BUILD_SERVER_URL__,
        store: secretStore,
        log,
      });
      const authSession = createMainAuthSession({
        serverUrl: server.url,
        // Looked up at call time, so the e2e suite can stand in for the browser.
        openExternal: (url) => shell.openExternal(url),
        store: secretStore,
        log,
        onOnline: pollOnline(() => net.isOnline()),
      });
      // Every API call of main (window, tray meter, answers): a 401 refreshes once and asks again.
      const client = createSessionClient({ baseUrl: server.url, session: authSession });

      const liveWindow = () => (coachWindow && !coachWindow.isDestroyed() ? coachWindow : null);
      const push = <C extends PushChannel>(channel: C, payload: PushContract[C]) => {
        liveWindow()?.webContents.send(channel, payload);
      };
      const showWindow = () => bringToFront(ensureWindow());
      // Checks at start and every 6 hours (packaged only); its offer shows in the tray, the app menu and the window.
      const updater = startUpdater({
        enabled: app.isPackaged,
        log,
        streaming: () => streams.active,
        onOffer: (offer) => {
          showTray();
          showAppMenu();
          push('app:update', offer);
        },
        beforeInstall: () => {
          quitting = true;
        },
      });
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
        else if (command.kind === 'restart-to-update') updater.restart();
        else if (command.kind === 'open-logs') void shell.openPath(log.dir);
        else if (command.kind === 'copy-diagnostics') {
          clipboard
            .writeText(diagnostics())
            .catch((error: unknown) => log.warn('could not copy the diagnostics', { error: describeError(error) }));
        } else app.quit();
      };
      const diagnostics = () =>
        diagnosticsText({
          appVersion: app.getVersion(),
          versions: process.versions,
          os: { platform: process.platform, release: release(), arch: arch() },
          server,
          packaged: app.isPackaged,
          session: authSession.state().status,
          update: updater.describe(),
          logFile: log.file,
          recentProblems: log.recentProblems(),
        });
      const showAppMenu = () =>
        Menu.setApplicationMenu(
          Menu.buildFromTemplate(
            appMenuTemplate({ platform: process.platform, debug, update: updater.offer() }, runTrayCommand),
          ),
        );
      const tray = createCoachTray(runTrayCommand);
      // Rebuilt whenever what it shows changes: the meter, the session, presets, pinned regions, shortcuts.
      const showTray = () =>
        tray.show({
          view: meter.view(),
          session: authSession.state(),
          ...settings.snapshot(),
          shortcuts: settings.shortcuts(),
          platform: process.platform,
          update: updater.offer(),
        });
      const meter = createUsageMeter({
        session: () => authSession.state(),
        fetchUsage: (settled) => client.get<UsageCurrentResponse>(usageCurrentPath(settled)),
        onView: showTray,
        // One read serves both meters: the window takes the tray's instead of reading the usage itself.
        onUsage: (usage) => push('usage:changed', usage),
      });
      settings.onChange(showTray);
      const streams = createCoachStreams({
        client,
        log,
        onFinished: (end) => {
          meter.afterAnswer(end);
          updater.streamsChanged(streams.active);
        },
      });

      const router = createElectronIpcRouter({
        coachFrame: () => liveWindow()?.webContents.mainFrame ?? null,
        cropFrame: () => cropWindows.mainFrame(),
        isAppUrl: policy.isAppUrl,
        log,
      });
      registerCoachHandlers({
        router,
        session: authSession,
        client,
        streams,
        capture,
        settings,
        updates: updater,
        openBillingPage: (url) => shell.openExternal(url),
        whenBack: (callback) => void liveWindow()?.once('focus', callback),
        refreshUsage: () => void meter.refresh(),
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
        window.webContents.on('render-process-gone', (_event, details) => {
          streams.cancelAll();
          if (quitting) return;
          const decision = crashRecovery.onGone(details.reason);
          if (decision.action === 'none') return;
          log.error('coach window renderer gone', { reason: details.reason, exitCode: details.exitCode });
          if (decision.action === 'give-up') {
            dialog.showErrorBox('Strat Coach', decision.message);
            return;
          }
          // A blank window is worse than a reload: reload it, then tell the trader what happened.
          window.webContents.once('did-finish-load', () => push('app:notice', decision.notice));
          window.webContents.reload();
        });
        coachWindow = window;
        return window;
      }

      const crashRecovery = createCrashRecovery();
      const startNotice = serverNotice(server);
      const firstWindow = ensureWindow();
      if (startNotice) whenLoaded(firstWindow, () => push('app:notice', startNotice));
      showTray();
      showAppMenu();
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
        updater.stop();
        authSession.dispose();
        tray.destroy();
      });

      void authSession.restore();
      if (process.argv.includes(QUICK_QUESTION_ARG)) quickQuestion(null);
      log.info('strat coach started', {
        version: app.getVersion(),
        server: server.url,
        serverFrom: server.source,
        renderer: policy.entryUrl,
        log: log.file,
      });
    })
    .catch((error: unknown) => {
      log.error('startup failed', { error: describeError(error) });
      app.exit(1);
    });
}

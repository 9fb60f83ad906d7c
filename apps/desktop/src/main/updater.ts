// electron-updater driven by update-policy.ts: a check at start and every 6 hours, the download in the
// background, "Restart to update" offered through `onOffer` (tray, app menu, window), and a restart that
// waits for a streaming answer. Thin: every decision is the policy's. The feed is electron-builder.yml's
// `publish` (baked into the app as app-update.yml); an app that is not packaged never checks.
import { autoUpdater } from 'electron-updater';
import type { UpdateOffer } from '../shared/host-api';
import { describeError, type Logger } from './log';
import { initialUpdateState, nextUpdateStep, updateOffer, type UpdateEvent } from './update-policy';

/** How often the clock is read; the policy decides whether a check is due (every 6 hours). */
const TICK_MS = 10 * 60_000;

export interface Updater {
  offer(): UpdateOffer | null;
  /** "Restart to update": now, or when the last streaming answer ends. */
  restart(): void;
  /** The number of answers streaming, after each one ends. */
  streamsChanged(count: number): void;
  /** One line for the diagnostics. */
  describe(): string;
  stop(): void;
}

export function startUpdater(options: {
  enabled: boolean;
  log: Logger;
  streaming: () => number;
  onOffer: (offer: UpdateOffer | null) => void;
  beforeInstall: () => void;
}): Updater {
  const { log } = options;
  let state = initialUpdateState;
  let lastError: string | null = null;

  const feed = (event: UpdateEvent) => {
    const before = updateOffer(state);
    const step = nextUpdateStep(state, event);
    state = step.state;
    for (const action of step.actions) {
      if (action.kind === 'check') {
        autoUpdater.checkForUpdates().catch((error: unknown) => failed(error));
      } else {
        log.info('restarting to update', { version: updateOffer(state)?.version ?? null });
        options.beforeInstall();
        // Not silent on Windows (the installer shows its progress); relaunch after installing.
        autoUpdater.quitAndInstall(false, true);
      }
    }
    const after = updateOffer(state);
    if (JSON.stringify(before) !== JSON.stringify(after)) options.onOffer(after);
  };
  const failed = (error: unknown) => {
    lastError = describeError(error);
    log.warn('update check failed', { error: lastError });
    feed({ kind: 'failed' });
  };

  if (!options.enabled) {
    log.info('updates off: the app is not packaged');
    return {
      offer: () => null,
      restart: () => undefined,
      streamsChanged: () => undefined,
      describe: () => 'off (not packaged)',
      stop: () => undefined,
    };
  }

  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.logger = null;
  autoUpdater.on('update-available', (info) => feed({ kind: 'available', version: info.version }));
  autoUpdater.on('update-not-available', () => feed({ kind: 'no-update' }));
  autoUpdater.on('update-downloaded', (info) => {
    log.info('update downloaded', { version: info.version });
    feed({ kind: 'downloaded', version: info.version });
  });
  autoUpdater.on('error', failed);

  const tick = () => feed({ kind: 'tick', now: Date.now() });
  const timer = setInterval(tick, TICK_MS);
  tick();

  return {
    offer: () => updateOffer(state),
    restart: () => {
      feed({ kind: 'streams', count: options.streaming() });
      feed({ kind: 'restart-requested' });
    },
    streamsChanged: (count) => feed({ kind: 'streams', count }),
    describe: () => {
      const offer = updateOffer(state);
      const phase = offer ? `version ${offer.version} downloaded` : state.phase.kind;
      return lastError ? `${phase} (last error: ${lastError})` : phase;
    },
    stop: () => clearInterval(timer),
  };
}

// Starts the renderer's side of things once, outside React: the session, the server's status, what
// follows a sign-in or sign-out (usage, conversations, quick questions, pinned regions), and the tray's
// quick questions and recapture (Electron only; they never fire on the web).
import { host } from './host';
import { useAppUpdateStore } from './state/app-update-store';
import { useChartStore } from './state/chart-store';
import { useHistoryStore } from './state/history-store';
import { usePinnedStore } from './state/pinned-store';
import { usePresetStore } from './state/preset-store';
import { askPreset } from './state/quick-question';
import { resetTraderData } from './state/reset';
import { useServerStore } from './state/server-store';
import { useSessionStore } from './state/session-store';
import { useUsageStore } from './state/usage-store';
import { QUESTION_ID } from './ui/Composer';

export function startApp(): () => void {
  const stopWatchingSession = useSessionStore.subscribe((state, previous) => {
    const now = state.session.status;
    const before = previous.session.status;
    if (now === 'signed_in' && before !== 'signed_in') {
      void useUsageStore.getState().refresh();
      void useHistoryStore.getState().refresh();
      void usePresetStore.getState().load();
      void usePinnedStore.getState().load();
    }
    if (now === 'signed_out' && before === 'signed_in') resetTraderData();
  });
  // The tray or a shortcut: a preset asks at once (with the pinned regions, or the display under the cursor);
  // an open quick question captures and waits for the trader's words.
  const stopQuickQuestion = host().app.onQuickQuestion((presetId) => {
    const preset = usePresetStore.getState().presets.find((each) => each.id === presetId);
    if (preset) {
      void askPreset(preset, { captureUnderCursor: true });
      return;
    }
    document.getElementById(QUESTION_ID)?.focus();
    void useChartStore.getState().capture();
  });
  const stopRecapture = host().app.onRecapturePinned(() => {
    void usePinnedStore.getState().recapture();
  });
  // After each answer the host reads the usage once (main, for the tray too) and hands it over.
  const stopUsage = useUsageStore.getState().followHost();
  // Desktop only: a downloaded update, and what the app did by itself (a reload after a crash).
  const stopAppUpdates = useAppUpdateStore.getState().follow();
  void useServerStore.getState().check();
  void useSessionStore.getState().start();
  return () => {
    stopWatchingSession();
    stopQuickQuestion();
    stopRecapture();
    stopUsage();
    stopAppUpdates();
  };
}

// Starts the renderer's side of things once, outside React: the session, the server's status, what
// follows a sign-in or sign-out, and the tray's quick question (Electron only; never fires on the web).
import { host } from './host';
import { useChartStore } from './state/chart-store';
import { useConversationStore } from './state/conversation-store';
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
      void useConversationStore.getState().loadConversations();
    }
    if (now === 'signed_out' && before === 'signed_in') resetTraderData();
  });
  const stopQuickQuestion = host().app.onQuickQuestion(() => {
    void useChartStore.getState().capture();
    document.getElementById(QUESTION_ID)?.focus();
  });
  void useServerStore.getState().check();
  void useSessionStore.getState().start();
  return () => {
    stopWatchingSession();
    stopQuickQuestion();
  };
}

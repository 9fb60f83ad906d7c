// The window's top bar (the page's banner landmark): conversations (a button while they are a panel, not when
// docked as the wide window's sidebar), the app's name, the usage meter, settings and sign-out.
import { useSessionStore } from '../state/session-store';
import { UsageMeter } from './UsageMeter';

export function TopBar({
  historyDocked,
  historyOpen,
  onToggleHistory,
  settingsOpen,
  onToggleSettings,
}: {
  historyDocked: boolean;
  historyOpen: boolean;
  onToggleHistory: () => void;
  settingsOpen: boolean;
  onToggleSettings: () => void;
}) {
  const signOut = useSessionStore((state) => state.signOut);
  // Electron without an OS keychain keeps the session in memory only, and says so.
  const sessionNote = useSessionStore((state) =>
    state.session.status === 'signed_in' ? (state.session.reason ?? null) : null,
  );
  return (
    <>
      <header className="topbar">
        {!historyDocked && (
          <button
            type="button"
            className="secondary"
            aria-expanded={historyOpen}
            aria-controls="history"
            onClick={onToggleHistory}
          >
            History
          </button>
        )}
        <h1>Strat Coach</h1>
        <UsageMeter />
        <button
          type="button"
          className="secondary icon-only"
          aria-label="Settings"
          title="Settings: quick questions, pinned regions, shortcuts"
          aria-expanded={settingsOpen}
          aria-controls="settings"
          onClick={onToggleSettings}
        >
          <span aria-hidden="true">⚙</span>
        </button>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {sessionNote && (
        <p className="session-note" role="note">
          {sessionNote}
        </p>
      )}
    </>
  );
}

// The first screen when nobody is signed in: what the app does, why sign-in failed (if it did), Sign in.
// Offline with a saved session it says so instead: the app reconnects by itself, no sign-in is needed.
import { OFFLINE_MESSAGE } from '../lib/notices';
import { useServerStore } from '../state/server-store';
import { useSessionStore } from '../state/session-store';
import { AppNotices } from './AppNotices';

function Reconnecting({ reason, tryNow, signOut }: { reason: string; tryNow: () => void; signOut: () => void }) {
  return (
    <div className="banner banner-reconnecting" role="status" data-testid="notice" data-kind="reconnecting">
      <div className="banner-body">
        <strong>Offline — reconnecting</strong>
        <p>{reason}</p>
        <p className="banner-actions">
          <button type="button" className="link-button" onClick={tryNow}>
            Try now
          </button>
          <button type="button" className="link-button" onClick={signOut}>
            Sign out
          </button>
        </p>
      </div>
    </div>
  );
}

export function SignedOut() {
  const session = useSessionStore((state) => state.session);
  const signIn = useSessionStore((state) => state.signIn);
  const signOut = useSessionStore((state) => state.signOut);
  const serverOffline = useServerStore((state) => state.reachability === 'offline');
  const reason = session.status === 'signed_out' ? session.reason : undefined;
  return (
    <main className="signed-out" data-testid="signed-out">
      <div className="card">
        <h1>Strat Coach</h1>
        <p className="tagline">
          Capture a chart, ask a question, and get coaching on The Strat — bar types, combos and timeframe continuity.
        </p>
        {/* Desktop: an update ready to install, or the window reloaded after a crash. */}
        <AppNotices />
        {session.status === 'offline' ? (
          // The saved session renews itself once the server answers; "Try now" does it at once, no browser.
          <Reconnecting reason={session.reason} tryNow={() => void signIn()} signOut={() => void signOut()} />
        ) : (
          <>
            {serverOffline && (
              <p className="banner banner-offline" role="alert" data-testid="notice" data-kind="offline">
                {OFFLINE_MESSAGE}
              </p>
            )}
            {reason && !serverOffline && (
              <p className="reason" role="alert">
                {reason}
              </p>
            )}
            <button
              type="button"
              className="primary wide"
              onClick={() => void signIn()}
              disabled={session.status === 'signing_in'}
              // The one thing to do on this screen: Enter or Space signs in, without a Tab first.
              autoFocus
            >
              {session.status === 'signing_in' ? 'Signing in…' : 'Sign in'}
            </button>
          </>
        )}
      </div>
    </main>
  );
}

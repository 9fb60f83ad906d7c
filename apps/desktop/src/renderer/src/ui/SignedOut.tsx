// The first screen when nobody is signed in: what the app does, why sign-in failed (if it did), Sign in.
import { OFFLINE_MESSAGE } from '../lib/notices';
import { useServerStore } from '../state/server-store';
import { useSessionStore } from '../state/session-store';

export function SignedOut() {
  const session = useSessionStore((state) => state.session);
  const signIn = useSessionStore((state) => state.signIn);
  const offline = useServerStore((state) => state.reachability === 'offline');
  const reason = session.status === 'signed_out' ? session.reason : undefined;
  return (
    <main className="signed-out" data-testid="signed-out">
      <div className="card">
        <h1>Strat Coach</h1>
        <p className="tagline">
          Capture a chart, ask a question, and get coaching on The Strat — bar types, combos and timeframe continuity.
        </p>
        {offline && (
          <p className="banner banner-offline" role="alert" data-testid="notice" data-kind="offline">
            {OFFLINE_MESSAGE}
          </p>
        )}
        {reason && !offline && (
          <p className="reason" role="alert">
            {reason}
          </p>
        )}
        <button
          type="button"
          className="primary wide"
          onClick={() => void signIn()}
          disabled={session.status === 'signing_in'}
        >
          {session.status === 'signing_in' ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </main>
  );
}

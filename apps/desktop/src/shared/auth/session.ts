// The trader's session, one for main and the web host: sign-in through an injected browser (code + PKCE),
// the access token in memory, the refresh token in an injected store, refresh before expiry and once after a
// 401, revocation at sign-out. An unreachable issuer keeps the saved session ("offline") and reconnects by
// itself, with backoff and on the platform's "online" events, never through a browser flow.
import type { SessionState } from '../host-api';
import { AuthError, isAuthError } from './errors';
import {
  subjectOf,
  webCrypto,
  type OAuthClient,
  type SignInConfig,
  type SignInCrypto,
  type TokenSet,
} from './oauth-client';
import type { PendingSignIn, SessionLog, SessionStore, SignInBrowser } from './ports';

export type * from './ports';

export interface AuthSessionOptions {
  oauth: OAuthClient;
  browser: SignInBrowser;
  store: SessionStore;
  log: SessionLog;
  /** Subscribes to the platform's "back online" signal (web: window 'online'; main: Electron's net state). */
  onOnline?: (listener: () => void) => () => void;
  now?: () => number;
  crypto?: SignInCrypto;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshLeadMs?: number;
  /** Waits between reconnect attempts: 1 s, doubling to this. Default 60 s. */
  maxBackoffMs?: number;
}

export interface AuthSession {
  state(): SessionState;
  /** Finishes a returned redirect, or restores the saved session (one refresh). Shared while it runs. */
  restore(): Promise<SessionState>;
  /** Uses a saved session if there is one, else the browser flow. */
  signIn(): Promise<SessionState>;
  signOut(): Promise<void>;
  /** A valid access token, refreshed when it is about to expire; null when there is none. */
  accessToken(): Promise<string | null>;
  /**
   * The API refused `rejected` (401): refresh once. True: a new token is there, ask again. False: signed out
   * (or offline), do not ask again.
   */
  recover(rejected: string | null): Promise<boolean>;
  /** The API refused even a fresh token: the session is over. */
  end(): Promise<void>;
  onChange(listener: (state: SessionState) => void): () => void;
  /** Stops the reconnect timer and the online subscription. */
  dispose(): void;
}

export const SESSION_ENDED = 'Your session has ended. Sign in again.';
export const RECONNECTING =
  'The coach server cannot be reached. Your sign-in is kept, and Strat Coach reconnects by itself.';
const describe = (error: unknown) =>
  isAuthError(error) ? error.code : error instanceof Error ? error.name : 'unknown';

export function createAuthSession(options: AuthSessionOptions): AuthSession {
  const { oauth, browser, store, log } = options;
  const now = options.now ?? Date.now;
  const crypto = options.crypto ?? webCrypto;
  const refreshLeadMs = options.refreshLeadMs ?? 60_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const listeners = new Set<(state: SessionState) => void>();

  let state: SessionState = { status: 'signed_out' };
  let tokens: TokenSet | null = null;
  let config: SignInConfig | null = null;
  /** The saved refresh token not yet exchanged; undefined until the store was read. */
  let saved: string | null | undefined;
  /** Bumped by sign-out and sign-in: a refresh that started before must not revive a session. */
  let epoch = 0;
  let flow: { promise: Promise<SessionState>; abort: AbortController } | null = null;
  let refreshing: Promise<void> | null = null;
  let restoring: Promise<SessionState> | null = null;
  let reconnect: { timer: ReturnType<typeof setTimeout> | undefined; attempt: number } | null = null;
  const stopOnline = options.onOnline?.(() => {
    if (reconnect) void retryNow();
  });

  /** The state as it is now: TypeScript would otherwise keep its narrowing across the awaits. */
  const current = (): SessionState => state;
  const setState = (next: SessionState) => {
    state = next;
    for (const listener of listeners) listener(next);
  };

  const getConfig = async () => (config ??= await oauth.discover());

  const clearStore = () =>
    store.clear().catch((error: unknown) => log.error('could not clear the session', { error: describe(error) }));

  function stopReconnecting() {
    if (reconnect) clearTimeout(reconnect.timer);
    reconnect = null;
  }

  /** Offline with a session to come back to: say so, and try again later and whenever we are back online. */
  function goOffline() {
    if (state.status !== 'offline') setState({ status: 'offline', reason: RECONNECTING });
    const attempt = (reconnect?.attempt ?? 0) + 1;
    if (reconnect) clearTimeout(reconnect.timer);
    const delay = Math.min(maxBackoffMs, 1000 * 2 ** (attempt - 1));
    reconnect = { attempt, timer: setTimeout(() => void retryNow(), delay) };
  }

  async function retryNow(): Promise<void> {
    const refreshToken = tokens?.refreshToken ?? saved;
    if (!refreshToken) return stopReconnecting();
    await useRefreshToken(refreshToken);
  }

  async function adopt(next: TokenSet) {
    stopReconnecting();
    tokens = next;
    saved = null;
    let notice: string | null = null;
    if (next.refreshToken) {
      try {
        const result = await store.save(next.refreshToken);
        if (!result.stored) notice = result.reason;
      } catch (error) {
        log.error('could not save the session', { error: describe(error) });
        notice = 'Your sign-in could not be saved, so it is kept only until the app quits.';
      }
    }
    setState({
      status: 'signed_in',
      subject: subjectOf(next) ?? 'unknown',
      expiresAt: next.expiresAt,
      ...(notice ? { reason: notice } : {}),
    });
  }

  async function endSession(reason: string) {
    stopReconnecting();
    tokens = null;
    saved = null;
    await clearStore();
    setState({ status: 'signed_out', reason });
  }

  /** Exchanges a refresh token. invalid_grant ends the session; an unreachable issuer keeps it (offline). */
  async function useRefreshToken(refreshToken: string): Promise<void> {
    const startEpoch = epoch;
    try {
      const next = await oauth.refresh(await getConfig(), refreshToken);
      if (epoch === startEpoch) await adopt(next);
    } catch (error) {
      if (epoch !== startEpoch) return;
      log.warn('session refresh failed', { code: describe(error) });
      if (isAuthError(error, 'offline')) {
        // Still usable until it expires: stay signed in and try again at the next request.
        if (tokens && now() < tokens.expiresAt) return;
        saved = tokens?.refreshToken ?? refreshToken;
        tokens = null;
        goOffline();
        return;
      }
      // The issuer said no (or its answer was unusable): a new sign-in is the only way on.
      await endSession(
        isAuthError(error, 'invalid_grant') ? SESSION_ENDED : `${(error as Error).message} Sign in again.`,
      );
    }
  }

  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      const refreshToken = tokens?.refreshToken ?? saved;
      if (refreshToken) await useRefreshToken(refreshToken);
      else if (tokens) await endSession(SESSION_ENDED);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function finishRedirect(params: URLSearchParams, pending: PendingSignIn | null): Promise<void> {
    setState({ status: 'signing_in' });
    try {
      if (!pending) throw new AuthError('state_mismatch', 'Sign-in was refused: the answer did not match the request.');
      // Discover afresh: the server's issuer or client id may have changed since the last sign-in.
      config = null;
      const signInConfig = await getConfig();
      const next = await oauth.exchangeCode(signInConfig, {
        params,
        expectedState: pending.state,
        redirectUri: pending.redirectUri,
        verifier: pending.verifier,
      });
      await adopt(next);
      log.info('signed in', { mode: signInConfig.mode, persisted: !('reason' in state) });
    } catch (error) {
      log.warn('sign-in failed', { code: describe(error) });
      setState({ status: 'signed_out', reason: isAuthError(error) ? error.message : 'Sign-in failed unexpectedly.' });
    }
  }

  function restore(): Promise<SessionState> {
    restoring ??= (async () => {
      const returned = browser.returned?.();
      if (returned) {
        await finishRedirect(returned.params, returned.pending);
        return state;
      }
      try {
        if (saved === undefined) saved = await store.load();
      } catch (error) {
        log.error('could not read the saved session', { error: describe(error) });
        saved = null;
      }
      if (saved && !tokens && !flow) {
        if (state.status === 'signed_out') setState({ status: 'signing_in' });
        await useRefreshToken(saved);
      }
      return state;
    })().finally(() => {
      restoring = null;
    });
    return restoring;
  }

  async function runSignIn(signal: AbortSignal): Promise<SessionState> {
    setState({ status: 'signing_in' });
    try {
      config = null;
      const signInConfig = await getConfig();
      const pkce = await crypto.pkcePair();
      const expectedState = crypto.randomState();
      const answer = await browser
        .authorize({
          state: expectedState,
          verifier: pkce.verifier,
          urlFor: (redirectUri) =>
            oauth.authorizeUrl(signInConfig, { redirectUri, state: expectedState, challenge: pkce.challenge }),
          signal,
        })
        .catch((error: unknown) => {
          throw isAuthError(error) ? error : new AuthError('browser_failed', 'Could not open the browser to sign in.');
        });
      // The page is on its way to the issuer: the sign-in finishes when it comes back (restore).
      if (answer === 'left') return state;
      const next = await oauth.exchangeCode(signInConfig, {
        params: answer.params,
        expectedState,
        redirectUri: answer.pending.redirectUri,
        verifier: pkce.verifier,
      });
      if (signal.aborted) throw new AuthError('cancelled', 'Sign-in was cancelled.');
      await adopt(next);
      log.info('signed in', { mode: signInConfig.mode, persisted: !('reason' in state) });
    } catch (error) {
      log.warn('sign-in failed', { code: describe(error) });
      // A sign-out during the flow has already said what the state is.
      if (!signal.aborted) {
        setState({ status: 'signed_out', reason: isAuthError(error) ? error.message : 'Sign-in failed unexpectedly.' });
      }
    }
    return state;
  }

  return {
    state: () => state,
    restore,

    async signIn() {
      if (state.status === 'signed_in') return state;
      if (flow) return flow.promise;
      if (restoring) await restoring;
      // A saved session (offline start, or read but not yet used) needs no browser: try it first.
      const kept = tokens?.refreshToken ?? saved;
      if (kept) {
        await useRefreshToken(kept);
        // Read afresh: the refresh above has changed it.
        const after = current().status;
        if (after === 'signed_in' || after === 'offline') return current();
      }
      epoch += 1;
      stopReconnecting();
      const abort = new AbortController();
      const promise = runSignIn(abort.signal).finally(() => {
        flow = null;
      });
      flow = { promise, abort };
      return promise;
    },

    async signOut() {
      epoch += 1;
      stopReconnecting();
      flow?.abort.abort();
      // Signed out before the saved session was even read: read it, so its grant is revoked too.
      const unread = saved === undefined ? await store.load().catch(() => null) : null;
      const refreshToken = tokens?.refreshToken ?? saved ?? unread;
      tokens = null;
      saved = null;
      await clearStore();
      setState({ status: 'signed_out' });
      if (!refreshToken) return;
      try {
        await oauth.revoke(await getConfig(), refreshToken);
      } catch (error) {
        // The tokens are gone from this machine either way; the issuer expires the grant in time.
        log.warn('revocation failed', { code: describe(error) });
      }
    },

    async accessToken() {
      if (!tokens && saved !== null && state.status !== 'offline') await restore();
      if (tokens && now() >= tokens.expiresAt - refreshLeadMs) await refresh();
      const current = tokens;
      return current && now() < current.expiresAt ? current.accessToken : null;
    },

    async recover(rejected) {
      // Another request already refreshed since this one was sent: just ask again.
      if (tokens && tokens.accessToken !== rejected && now() < tokens.expiresAt) return true;
      if (!tokens?.refreshToken) {
        if (tokens) await endSession(SESSION_ENDED);
        return false;
      }
      await refresh();
      return state.status === 'signed_in' && tokens !== null && tokens.accessToken !== rejected;
    },

    async end() {
      epoch += 1;
      log.warn('the API refused a fresh token; signing out');
      await endSession(SESSION_ENDED);
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    dispose() {
      stopReconnecting();
      stopOnline?.();
    },
  };
}

// The trader's session in the main process: sign-in through the system browser (authorization code + PKCE
// S256, loopback redirect), the access token in memory only, the refresh token in the SecretStore, refresh
// shortly before expiry, and revocation at sign-out. Pure: the browser and the storage are injected.
import type { SessionState } from '../../shared/host-api';
import { describeError, type Logger } from '../log';
import { discoverSignIn, type SignInConfig } from './discovery';
import { AuthError, isAuthError } from './errors';
import { listenForCallback, type LoopbackListener } from './loopback';
import { createPkcePair, randomState, type PkcePair } from './pkce';
import type { SecretStore } from './secret-store';
import { exchangeCode, refreshTokens, revokeToken, subjectOf, type TokenSet } from './token-endpoint';

export interface AuthSessionOptions {
  /** The coach server, which names the issuer and the OAuth client id (GET /api/v1/auth/config). */
  serverUrl: string;
  /** Opens the authorization URL in the system browser (Electron: shell.openExternal). */
  openExternal(url: string): Promise<void>;
  store: SecretStore;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long the loopback listener waits for the browser. Default 5 minutes. */
  callbackTimeoutMs?: number;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshLeadMs?: number;
  /** Test hook: the PKCE pair of the next sign-in. */
  createPkce?: () => PkcePair;
}

export interface AuthSession {
  state(): SessionState;
  /** Restores the session saved at the last run, if any (one refresh). Safe to call again. */
  restore(): Promise<SessionState>;
  signIn(): Promise<SessionState>;
  signOut(): Promise<void>;
  /** A valid access token, refreshed when it is about to expire; null when signed out. Never leaves main. */
  accessToken(): Promise<string | null>;
  onChange(listener: (state: SessionState) => void): () => void;
}

const SESSION_ENDED = 'Your session has ended. Sign in again.';

export function authorizeUrl(config: SignInConfig, redirectUri: string, pkce: PkcePair, state: string): string {
  const url = new URL(config.metadata.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', config.scopes);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', pkce.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

export function createAuthSession(options: AuthSessionOptions): AuthSession {
  const fetchImpl = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
  const now = options.now ?? Date.now;
  const refreshLeadMs = options.refreshLeadMs ?? 60_000;
  const { store, log } = options;
  const listeners = new Set<(state: SessionState) => void>();

  let state: SessionState = { status: 'signed_out' };
  let tokens: TokenSet | null = null;
  let config: SignInConfig | null = null;
  /** Why the session lives in memory only (no keychain), shown with the signed-in state. */
  let notice: string | null = null;
  /** The saved refresh token not yet exchanged; undefined until the store was read. */
  let savedRefresh: string | null | undefined;
  /** Bumped by sign-out and sign-in: a refresh that started before must not revive a session. */
  let epoch = 0;
  let flow: { promise: Promise<SessionState>; abort: AbortController } | null = null;
  let refreshing: Promise<void> | null = null;
  let restoring: Promise<SessionState> | null = null;

  const setState = (next: SessionState) => {
    state = next;
    for (const listener of listeners) listener(next);
  };

  const getConfig = async () => (config ??= await discoverSignIn(fetchImpl, options.serverUrl));

  async function adopt(next: TokenSet) {
    tokens = next;
    notice = null;
    if (next.refreshToken) {
      try {
        const result = await store.save(next.refreshToken);
        if (!result.stored) notice = result.reason;
      } catch (error) {
        log.error('could not save the session', { error: describeError(error) });
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
    tokens = null;
    savedRefresh = null;
    await store
      .clear()
      .catch((error: unknown) => log.error('could not clear the session', { error: describeError(error) }));
    setState({ status: 'signed_out', reason });
  }

  /** Exchanges a refresh token; on invalid_grant the session is over, on a network failure it is kept. */
  async function useRefreshToken(refreshToken: string) {
    const startEpoch = epoch;
    try {
      const next = await refreshTokens(fetchImpl, await getConfig(), refreshToken, now());
      if (epoch === startEpoch) await adopt(next);
    } catch (error) {
      if (epoch !== startEpoch) return;
      log.warn('session refresh failed', { code: isAuthError(error) ? error.code : describeError(error) });
      if (isAuthError(error, 'invalid_grant')) await endSession(SESSION_ENDED);
      else if (!tokens) setState({ status: 'signed_out', reason: isAuthError(error) ? error.message : SESSION_ENDED });
    }
  }

  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      const refreshToken = tokens?.refreshToken;
      if (refreshToken) await useRefreshToken(refreshToken);
      else if (tokens && now() >= tokens.expiresAt) await endSession(SESSION_ENDED);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  function restore(): Promise<SessionState> {
    restoring ??= (async () => {
      try {
        if (savedRefresh === undefined) savedRefresh = await store.load();
      } catch (error) {
        log.error('could not read the saved session', { error: describeError(error) });
        savedRefresh = null;
      }
      if (savedRefresh && !tokens && !flow) {
        const refreshToken = savedRefresh;
        await useRefreshToken(refreshToken);
        if (tokens) savedRefresh = null;
      }
      return state;
    })().finally(() => {
      restoring = null;
    });
    return restoring;
  }

  async function runSignIn(signal: AbortSignal): Promise<SessionState> {
    setState({ status: 'signing_in' });
    let listener: LoopbackListener | null = null;
    try {
      // Discover afresh: the server's issuer or client id may have changed since the last sign-in.
      config = null;
      const signInConfig = await getConfig();
      const pkce = (options.createPkce ?? createPkcePair)();
      const expectedState = randomState();
      listener = await listenForCallback({
        expectedState,
        timeoutMs: options.callbackTimeoutMs ?? 5 * 60_000,
        signal,
      });
      const url = authorizeUrl(signInConfig, listener.redirectUri, pkce, expectedState);
      await options.openExternal(url).catch(() => {
        throw new AuthError('browser_failed', 'Could not open the browser to sign in.');
      });
      const code = await listener.code;
      const next = await exchangeCode(
        fetchImpl,
        signInConfig,
        { code, redirectUri: listener.redirectUri, verifier: pkce.verifier },
        now(),
      );
      if (signal.aborted) throw new AuthError('cancelled', 'Sign-in was cancelled.');
      savedRefresh = null;
      await adopt(next);
      log.info('signed in', { mode: signInConfig.mode, persisted: notice === null });
    } catch (error) {
      listener?.close();
      log.warn('sign-in failed', { code: isAuthError(error) ? error.code : describeError(error) });
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

    signIn() {
      if (state.status === 'signed_in') return Promise.resolve(state);
      if (flow) return flow.promise;
      epoch += 1;
      const abort = new AbortController();
      const promise = runSignIn(abort.signal).finally(() => {
        flow = null;
      });
      flow = { promise, abort };
      return promise;
    },

    async signOut() {
      epoch += 1;
      flow?.abort.abort();
      // Signed out before the saved session was even read: read it, so its grant is revoked too.
      const unread = savedRefresh === undefined ? await store.load().catch(() => null) : null;
      const refreshToken = tokens?.refreshToken ?? savedRefresh ?? unread;
      tokens = null;
      savedRefresh = null;
      notice = null;
      await store
        .clear()
        .catch((error: unknown) => log.error('could not clear the session', { error: describeError(error) }));
      setState({ status: 'signed_out' });
      if (!refreshToken) return;
      try {
        await revokeToken(fetchImpl, await getConfig(), refreshToken);
      } catch (error) {
        // The tokens are gone from this machine either way; the issuer expires the grant in time.
        log.warn('revocation failed', { code: isAuthError(error) ? error.code : describeError(error) });
      }
    },

    async accessToken() {
      if (!tokens && savedRefresh !== null) await restore();
      if (tokens && now() >= tokens.expiresAt - refreshLeadMs) await refresh();
      const current = tokens;
      return current && now() < current.expiresAt ? current.accessToken : null;
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

// The web host's sign-in: OAuth 2.0 authorization code + PKCE S256 by a full-page redirect to the issuer
// named by GET /api/v1/auth/config (the server's local issuer in the embedded default), and the tokens.
import type { AuthConfigResponse } from '@strat-coach/server/contract';
import type { SessionState } from '../shared';
import { randomUrlSafe, readJwtClaims, s256Challenge } from './pkce';

interface Endpoints {
  authorization: string;
  token: string;
  revocation: string | null;
  clientId: string;
  scopes: string;
}

/** What the tab remembers while the browser is at the issuer: the page is gone and comes back fresh. */
interface PendingSignIn {
  verifier: string;
  state: string;
  redirectUri: string;
  endpoints: Endpoints;
}

interface StoredRefresh {
  refreshToken: string;
  endpoints: Endpoints;
}

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
}

type TokenOutcome = { ok: true; tokens: TokenAnswer } | { ok: false; offline: boolean; reason: string };

const PENDING_KEY = 'strat-coach.sign-in.pending';
// The refresh token lives in sessionStorage, not only in memory: a page reload must not sign the trader
// out, and memory does not survive one. sessionStorage is this tab's alone and ends with it. The web
// version is meant for loopback / trusted use (the embedded local issuer); the strict CSP and the inert
// Markdown are what keep scripts that could read it out. (The Electron app encrypts it with safeStorage.)
const REFRESH_KEY = 'strat-coach.sign-in.refresh';
/** Refresh this long before the access token expires, so no request goes out with a stale one. */
const REFRESH_EARLY_MS = 60_000;

const OFFLINE_REASON = 'The coach server cannot be reached. Is it running?';
const ENDED_REASON = 'Your session has ended. Sign in again.';

export interface WebSessionOptions {
  storage?: Storage;
  now?: () => number;
}

export function createWebSession(options: WebSessionOptions = {}) {
  const storage = options.storage ?? window.sessionStorage;
  const now = options.now ?? (() => Date.now());
  let state: SessionState = { status: 'signed_out' };
  let access: { token: string; expiresAt: number } | null = null;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<boolean> | null = null;
  let started: Promise<void> | null = null;
  const listeners = new Set<(state: SessionState) => void>();

  const emit = (next: SessionState): void => {
    state = next;
    for (const listener of listeners) listener(next);
  };

  const readStored = <T>(key: string): T | null => {
    try {
      const raw = storage.getItem(key);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  };

  const forget = (reason?: string): void => {
    clearTimeout(refreshTimer);
    access = null;
    storage.removeItem(REFRESH_KEY);
    emit(reason ? { status: 'signed_out', reason } : { status: 'signed_out' });
  };

  async function discover(): Promise<Endpoints> {
    const configResponse = await fetch('/api/v1/auth/config');
    if (!configResponse.ok) throw new Error(`auth config answered ${configResponse.status}`);
    const config = (await configResponse.json()) as AuthConfigResponse;
    // The page may only talk to its own origin (CSP connect-src 'self'), so the web version signs in
    // against the server's own local issuer; Clerk's token endpoint is another origin.
    if (config.mode !== 'local') {
      throw new Error('The web version signs in only with this server’s own issuer. Use the desktop app.');
    }
    if (!config.clientId) throw new Error('Sign-in is not configured on this server.');
    const metadataResponse = await fetch('/.well-known/oauth-authorization-server');
    if (!metadataResponse.ok) throw new Error(`issuer metadata answered ${metadataResponse.status}`);
    const metadata = (await metadataResponse.json()) as Record<string, unknown>;
    if (typeof metadata.authorization_endpoint !== 'string' || typeof metadata.token_endpoint !== 'string') {
      throw new Error('the issuer metadata has no authorization or token endpoint');
    }
    // The local issuer is this server, but names itself by its configured address (127.0.0.1): reach its
    // endpoints under the name this page was loaded by (localhost, say), which is this page's origin.
    const here = (endpoint: string): string => {
      const url = new URL(endpoint);
      return `${window.location.origin}${url.pathname}${url.search}`;
    };
    return {
      authorization: here(metadata.authorization_endpoint),
      token: here(metadata.token_endpoint),
      revocation: typeof metadata.revocation_endpoint === 'string' ? here(metadata.revocation_endpoint) : null,
      clientId: config.clientId,
      scopes: config.scopes,
    };
  }

  async function tokenRequest(endpoint: string, form: Record<string, string>): Promise<TokenOutcome> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    } catch {
      return { ok: false, offline: true, reason: OFFLINE_REASON };
    }
    const body = (await response.json().catch(() => ({}))) as Partial<TokenAnswer> & {
      error_description?: string;
    };
    if (!response.ok || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      return { ok: false, offline: false, reason: body.error_description ?? `the issuer answered ${response.status}` };
    }
    return { ok: true, tokens: body as TokenAnswer };
  }

  const scheduleRefresh = (): void => {
    clearTimeout(refreshTimer);
    if (!access) return;
    const delay = Math.max(5_000, access.expiresAt - REFRESH_EARLY_MS - now());
    refreshTimer = setTimeout(() => void refresh(), delay);
  };

  function accept(tokens: TokenAnswer, endpoints: Endpoints, previousRefresh?: string): void {
    access = { token: tokens.access_token, expiresAt: now() + tokens.expires_in * 1000 };
    // The issuer rotates refresh tokens; keep the old one only if it did not send a new one.
    const refreshToken = tokens.refresh_token ?? previousRefresh;
    if (refreshToken) storage.setItem(REFRESH_KEY, JSON.stringify({ refreshToken, endpoints } satisfies StoredRefresh));
    scheduleRefresh();
    const subject = readJwtClaims(tokens.access_token).sub;
    emit({ status: 'signed_in', subject: typeof subject === 'string' ? subject : '', expiresAt: access.expiresAt });
  }

  /** One refresh at a time: refresh tokens rotate, and presenting a spent one revokes the whole family. */
  function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      const stored = readStored<StoredRefresh>(REFRESH_KEY);
      if (!stored) return false;
      const outcome = await tokenRequest(stored.endpoints.token, {
        grant_type: 'refresh_token',
        refresh_token: stored.refreshToken,
        client_id: stored.endpoints.clientId,
      });
      if (outcome.ok) {
        accept(outcome.tokens, stored.endpoints, stored.refreshToken);
        return true;
      }
      // Unreachable is not signed out: keep the refresh token for when the server is back.
      if (outcome.offline) {
        access = null;
        if (state.status !== 'signed_in') emit({ status: 'signed_out', reason: OFFLINE_REASON });
        return false;
      }
      forget(ENDED_REASON);
      return false;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /** The page came back from the issuer with ?code=&state= (or ?error=): finish, then clean the URL. */
  async function completeRedirect(params: URLSearchParams): Promise<void> {
    const pending = readStored<PendingSignIn>(PENDING_KEY);
    storage.removeItem(PENDING_KEY);
    window.history.replaceState(null, '', window.location.pathname);
    const error = params.get('error');
    if (error) return forget(`Sign-in failed: ${params.get('error_description') ?? error}.`);
    if (!pending || params.get('state') !== pending.state) {
      return forget('Sign-in could not be completed: the answer did not match this tab’s request. Try again.');
    }
    const outcome = await tokenRequest(pending.endpoints.token, {
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: pending.redirectUri,
      client_id: pending.endpoints.clientId,
      code_verifier: pending.verifier,
    });
    if (!outcome.ok) return forget(`Sign-in failed: ${outcome.reason}.`);
    accept(outcome.tokens, pending.endpoints);
  }

  async function resume(): Promise<void> {
    const params = new URLSearchParams(window.location.search);
    if (params.has('state') && (params.has('code') || params.has('error'))) return completeRedirect(params);
    if (readStored<StoredRefresh>(REFRESH_KEY)) {
      emit({ status: 'signing_in' });
      if (!(await refresh()) && state.status === 'signing_in') emit({ status: 'signed_out' });
    }
  }

  return {
    /** Finishes a sign-in redirect or resumes a stored session, once per page however often it is called. */
    start(): Promise<void> {
      started ??= resume();
      return started;
    },

    state: (): SessionState => state,

    onChange(listener: (state: SessionState) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Leaves the page for the issuer's authorize endpoint; the page comes back at `/?code=…&state=…`. */
    async signIn(): Promise<SessionState> {
      emit({ status: 'signing_in' });
      let endpoints: Endpoints;
      try {
        endpoints = await discover();
      } catch (error) {
        const reason = error instanceof TypeError ? OFFLINE_REASON : (error as Error).message;
        emit({ status: 'signed_out', reason });
        return state;
      }
      const pending: PendingSignIn = {
        verifier: randomUrlSafe(32),
        state: randomUrlSafe(16),
        redirectUri: `${window.location.origin}/`,
        endpoints,
      };
      storage.setItem(PENDING_KEY, JSON.stringify(pending));
      const authorize = new URL(endpoints.authorization);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: endpoints.clientId,
        redirect_uri: pending.redirectUri,
        code_challenge: await s256Challenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        scope: endpoints.scopes,
      }).toString();
      window.location.assign(authorize.toString());
      return state;
    },

    /** Revokes the refresh token (its whole family) at the issuer, then forgets everything. */
    async signOut(): Promise<void> {
      const stored = readStored<StoredRefresh>(REFRESH_KEY);
      forget();
      if (!stored?.endpoints.revocation) return;
      await fetch(stored.endpoints.revocation, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: stored.refreshToken, token_type_hint: 'refresh_token' }),
      }).catch(() => undefined);
    },

    /** A fresh access token for the next request, refreshed first when it is about to expire. */
    async accessToken(): Promise<string | null> {
      if (access && access.expiresAt - now() > REFRESH_EARLY_MS / 2) return access.token;
      return (await refresh()) ? (access?.token ?? null) : null;
    },

    /**
     * The server refused the token (401): refresh once. False means the trader is signed out now (or the
     * issuer is unreachable), and the request should not be repeated.
     */
    async recoverFromRejection(): Promise<boolean> {
      if (await refresh()) return true;
      if (state.status === 'signed_in') forget(ENDED_REASON);
      return false;
    },
  };
}

export type WebSession = ReturnType<typeof createWebSession>;

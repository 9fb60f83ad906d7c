// The main process's session: the shared one (shared/auth/session.ts) with what is Electron's here — the
// system browser and a loopback redirect (RFC 8252 §7.3) as its browser, the keychain-encrypted file as its
// store, Electron's online state as its "back online" signal. Tokens never leave main.
import { AuthError } from '../../shared/auth/errors';
import { createOAuthClient, type SignInCrypto } from '../../shared/auth/oauth-client';
import { createAuthSession, type AuthSession, type SignInBrowser } from '../../shared/auth/session';
import type { Logger } from '../log';
import { listenForCallback } from './loopback';
import type { SecretStore } from './secret-store';

export type { AuthSession };

export interface MainSessionOptions {
  /** The coach server, which names the issuer and the OAuth client id (GET /api/v1/auth/config). */
  serverUrl: string;
  /** Opens the authorization URL in the system browser (Electron: shell.openExternal). */
  openExternal(url: string): Promise<void>;
  store: SecretStore;
  log: Logger;
  /** Electron's online state as events (online-events.ts); none: reconnect on the backoff timer alone. */
  onOnline?: (listener: () => void) => () => void;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long the loopback listener waits for the browser. Default 5 minutes. */
  callbackTimeoutMs?: number;
  refreshLeadMs?: number;
  maxBackoffMs?: number;
  /** Test hook: the PKCE pair and state of the next sign-in. */
  crypto?: SignInCrypto;
}

/** The system browser out, a one-shot loopback listener back. */
export function loopbackBrowser(options: {
  openExternal(url: string): Promise<void>;
  timeoutMs: number;
}): SignInBrowser {
  return {
    async authorize(request) {
      const listener = await listenForCallback({
        expectedState: request.state,
        timeoutMs: options.timeoutMs,
        signal: request.signal,
      });
      try {
        await options.openExternal(request.urlFor(listener.redirectUri)).catch(() => {
          throw new AuthError('browser_failed', 'Could not open the browser to sign in.');
        });
        // The listener has checked the state already; the shared client checks it again with the rest.
        const code = await listener.code;
        return {
          params: new URLSearchParams({ code, state: request.state }),
          pending: { state: request.state, verifier: request.verifier, redirectUri: listener.redirectUri },
        };
      } catch (error) {
        listener.close();
        throw error;
      }
    },
  };
}

export function createMainAuthSession(options: MainSessionOptions): AuthSession {
  const fetchImpl = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => fetch(input, init));
  return createAuthSession({
    oauth: createOAuthClient({
      serverUrl: options.serverUrl,
      fetch: fetchImpl,
      ...(options.now ? { now: options.now } : {}),
    }),
    browser: loopbackBrowser({
      openExternal: (url) => options.openExternal(url),
      timeoutMs: options.callbackTimeoutMs ?? 5 * 60_000,
    }),
    store: options.store,
    log: options.log,
    ...(options.onOnline ? { onOnline: options.onOnline } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.crypto ? { crypto: options.crypto } : {}),
    ...(options.refreshLeadMs !== undefined ? { refreshLeadMs: options.refreshLeadMs } : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
  });
}

// The web host's session: the shared one (shared/auth/session.ts) with what is the page's here — a full-page
// redirect to the issuer the server names (the local issuer or Clerk) as its browser, the tab's
// sessionStorage as its store, and the window's `online` event.
import {
  createAuthSession,
  createOAuthClient,
  type AuthSession,
  type PendingSignIn,
  type SessionStore,
  type SignInBrowser,
} from '../shared';

const PENDING_KEY = 'strat-coach.sign-in.pending';
// The refresh token lives in sessionStorage, not only in memory: a page reload must not sign the trader
// out, and memory does not survive one. sessionStorage is this tab's alone and ends with it. The strict CSP
// and the inert Markdown are what keep scripts that could read it out. (The Electron app encrypts it with
// safeStorage.)
const REFRESH_KEY = 'strat-coach.sign-in.refresh';

const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

/**
 * fetch, with one rewrite: the local issuer is this very server but names itself by its configured address
 * (127.0.0.1); a page loaded by another loopback name (localhost) reaches it under its own origin, which its
 * CSP allows and which needs no CORS. Any other issuer (Clerk) is fetched as named.
 */
export function sameServerFetch(pageOrigin: string, fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
  const page = new URL(pageOrigin);
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (typeof input === 'string' || input instanceof URL) {
      const url = new URL(input);
      const sameServer =
        url.protocol === page.protocol &&
        url.port === page.port &&
        LOOPBACK_HOSTS.includes(url.hostname) &&
        LOOPBACK_HOSTS.includes(page.hostname);
      if (sameServer && url.origin !== page.origin)
        return fetchImpl(`${page.origin}${url.pathname}${url.search}`, init);
    }
    return fetchImpl(input, init);
  };
}

/** The tab's sessionStorage as the session's store; nothing is kept where the browser blocks it. */
export function tabStore(storage: Storage | null): SessionStore {
  return {
    load: async () => storage?.getItem(REFRESH_KEY) ?? null,
    async save(secret) {
      try {
        if (!storage) throw new Error('no storage');
        storage.setItem(REFRESH_KEY, secret);
        return { stored: true };
      } catch {
        return { stored: false, reason: 'This browser keeps no session storage, so a reload signs you out.' };
      }
    },
    clear: async () => storage?.removeItem(REFRESH_KEY),
  };
}

/** The page itself goes to the issuer and comes back to `/?code=…&state=…`, with what it left in storage. */
export function redirectBrowser(storage: Storage | null, location: Location, history: History): SignInBrowser {
  return {
    async authorize(request) {
      const redirectUri = `${location.origin}/`;
      const pending: PendingSignIn = { state: request.state, verifier: request.verifier, redirectUri };
      storage?.setItem(PENDING_KEY, JSON.stringify(pending));
      location.assign(request.urlFor(redirectUri));
      return 'left';
    },
    returned() {
      const params = new URLSearchParams(location.search);
      if (!params.has('state') || !(params.has('code') || params.has('error'))) return null;
      let pending: PendingSignIn | null;
      try {
        pending = JSON.parse(storage?.getItem(PENDING_KEY) ?? 'null') as PendingSignIn | null;
      } catch {
        pending = null;
      }
      storage?.removeItem(PENDING_KEY);
      // The code and state leave the address bar (and the history) at once.
      history.replaceState(null, '', location.pathname);
      return { params, pending };
    },
  };
}

/** sessionStorage, or null where the browser blocks it (reading the property itself can throw). */
function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function createWebSession(): AuthSession {
  const storage = tabStorage();
  return createAuthSession({
    oauth: createOAuthClient({ serverUrl: window.location.origin, fetch: sameServerFetch(window.location.origin) }),
    browser: redirectBrowser(storage, window.location, window.history),
    store: tabStore(storage),
    // The page has no log to write to; what failed is in the session's state.
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    onOnline(listener) {
      window.addEventListener('online', listener);
      return () => window.removeEventListener('online', listener);
    },
  });
}

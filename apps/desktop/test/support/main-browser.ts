// Test stand-ins for what the main process gets injected: a "system browser" that follows the authorize
// URL to its redirect and delivers it to the app's loopback listener, and an in-memory SecretStore.
import type { SecretStore, StoreResult } from '../../src/main/auth/secret-store';

export interface BrowserVisit {
  authorizeUrl: URL;
  /** Where the issuer sent the browser (after `tamper`). */
  redirect: URL;
  /** What the app's loopback listener answered the browser. */
  page: { status: number; text: string };
}

/** openExternal for the session under test: behaves like a browser whose user is already signed in. */
export function fakeBrowser(options: { tamper?: (redirect: URL) => void } = {}) {
  const visits: BrowserVisit[] = [];
  return {
    visits,
    openExternal: async (url: string): Promise<void> => {
      const authorize = await fetch(url, { redirect: 'manual' });
      const location = authorize.headers.get('location');
      if (!location) throw new Error(`the issuer did not redirect (HTTP ${authorize.status})`);
      const redirect = new URL(location);
      options.tamper?.(redirect);
      const page = await fetch(redirect);
      visits.push({ authorizeUrl: new URL(url), redirect, page: { status: page.status, text: await page.text() } });
    },
  };
}

/** A SecretStore that keeps the secret in a variable, or refuses like a machine without a keychain. */
export interface MemoryStore extends SecretStore {
  /** What a restart would find. */
  secret: string | null;
}

export function memoryStore(refuse?: string): MemoryStore {
  const store: MemoryStore = {
    secret: null,
    async load() {
      return store.secret;
    },
    async save(secret: string): Promise<StoreResult> {
      if (refuse) return { stored: false, reason: refuse };
      store.secret = secret;
      return { stored: true };
    },
    async clear() {
      store.secret = null;
    },
  };
  return store;
}

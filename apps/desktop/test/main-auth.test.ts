// Sign-in of the main process (the shared session with Electron's browser and store) against the server's
// real local issuer: authorization code + PKCE S256 through a (test-played) browser and the loopback
// redirect, refresh before expiry, restore at the next start, a forged state and a wrong verifier refused,
// sign-out revoking the grant, a store that cannot keep secrets; a 401 refreshed once and asked again, or
// ending in a signed-out state whose Sign in works; an offline start that reconnects without a browser.
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { startTestServer, type TestServer } from '@strat-coach/server/testing';
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import type { SessionState } from '../src/shared/host-api';
import { createCoachClient } from '../src/shared/coach-client';
import { webCrypto } from '../src/shared/auth/oauth-client';
import { createSessionClient } from '../src/shared/auth/session-client';
import { createMainAuthSession, type AuthSession, type MainSessionOptions } from '../src/main/auth/session';
import { silentLogger } from '../src/main/log';
import { fakeBrowser, memoryStore, type MemoryStore } from './support/main-browser';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function newSession(overrides: Partial<MainSessionOptions> & { store?: MemoryStore } = {}) {
  const browser = fakeBrowser();
  const store = overrides.store ?? memoryStore();
  const states: SessionState['status'][] = [];
  const session = createMainAuthSession({
    serverUrl: server.url,
    openExternal: browser.openExternal,
    log: silentLogger,
    callbackTimeoutMs: 10_000,
    ...overrides,
    store,
  });
  session.onChange((state) => states.push(state.status));
  onTestFinished(() => session.dispose());
  return { session, browser, store, states };
}

/** The issuer's answer to a refresh grant, asked directly as another client would. */
async function refreshDirectly(refreshToken: string) {
  const response = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: 'strat-coach-desktop',
      refresh_token: refreshToken,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

const usageWith = (token: string | null) =>
  createCoachClient({ baseUrl: server.url, accessToken: async () => token }).get<UsageCurrentResponse>(
    '/usage/current',
  );

describe('sign-in through the system browser', () => {
  it('signs in with code + PKCE S256 over a loopback redirect, and the token reads the API', async () => {
    const { session, browser, store, states } = newSession();

    const state = await session.signIn();

    expect(state).toMatchObject({ status: 'signed_in', subject: 'user_local' });
    expect(state).not.toHaveProperty('reason');
    expect(states).toEqual(['signing_in', 'signed_in']);
    const [visit] = browser.visits;
    const params = visit!.authorizeUrl.searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('client_id')).toBe('strat-coach-desktop');
    expect(params.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(visit!.page).toMatchObject({ status: 200, text: expect.stringContaining('You can close this tab') });
    expect(store.secret).toEqual(expect.any(String));

    const usage = await usageWith(await session.accessToken());
    expect(usage).toMatchObject({ ok: true, value: { tier: 'free' } });

    // One-shot: the listener is gone once the browser came back.
    await expect(fetch(visit!.redirect)).rejects.toThrow();
  });

  it('refreshes the access token 60 s before it expires, rotating the refresh token', async () => {
    let clock = Date.now();
    const { session, store } = newSession({ now: () => clock });
    const signedIn = await session.signIn();
    if (signedIn.status !== 'signed_in') throw new Error('sign-in failed');
    const firstToken = await session.accessToken();
    const firstRefresh = store.secret!;

    clock = signedIn.expiresAt - 61_000;
    expect(await session.accessToken()).toBe(firstToken);

    clock = signedIn.expiresAt - 59_000;
    const secondToken = await session.accessToken();
    expect(secondToken).not.toBe(firstToken);
    expect(store.secret).not.toBe(firstRefresh);
    expect(session.state()).toMatchObject({ status: 'signed_in', expiresAt: clock + 600_000 });
    expect(await usageWith(secondToken)).toMatchObject({ ok: true });

    // The old refresh token is spent (and replaying it revokes the family, as the issuer promises).
    expect(await refreshDirectly(firstRefresh)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('restores a saved session at the next start without opening the browser', async () => {
    const first = newSession();
    await first.session.signIn();

    const opened: string[] = [];
    const second = createMainAuthSession({
      serverUrl: server.url,
      openExternal: async (url) => void opened.push(url),
      store: first.store,
      log: silentLogger,
    });
    expect(await second.restore()).toMatchObject({ status: 'signed_in', subject: 'user_local' });
    expect(opened).toEqual([]);
    expect(await usageWith(await second.accessToken())).toMatchObject({ ok: true });
  });

  it('refuses a redirect whose state does not match the request, and signs in with none of it', async () => {
    const browser = fakeBrowser({ tamper: (redirect) => redirect.searchParams.set('state', 'forged') });
    const { session, store } = newSession({ openExternal: browser.openExternal, callbackTimeoutMs: 300 });

    const state = await session.signIn();

    expect(state).toEqual({ status: 'signed_out', reason: expect.stringMatching(/timed out/) });
    expect(browser.visits[0]!.page).toMatchObject({ status: 400, text: expect.stringContaining('did not complete') });
    expect(await session.accessToken()).toBeNull();
    expect(store.secret).toBeNull();
  });

  it('is not ended by forged redirects to its port: the browser coming back still signs in', async () => {
    const browser = fakeBrowser();
    const forged: number[] = [];
    const { session } = newSession({
      openExternal: async (url) => {
        // Another process (or a web page) that found the port gets there before the browser.
        const callback = new URL(new URL(url).searchParams.get('redirect_uri')!);
        for (const query of ['?state=forged&code=forged-code', '?error=access_denied', '?code=forged-code']) {
          forged.push((await fetch(new URL(query, callback))).status);
        }
        await browser.openExternal(url);
      },
    });

    expect(await session.signIn()).toMatchObject({ status: 'signed_in', subject: 'user_local' });
    expect(forged).toEqual([400, 400, 400]);
    expect(browser.visits[0]!.page).toMatchObject({ status: 200 });
    expect(await usageWith(await session.accessToken())).toMatchObject({ ok: true });
  });

  it('is refused by the issuer when the code verifier does not match the challenge', async () => {
    const sent = await webCrypto.pkcePair();
    const other = await webCrypto.pkcePair();
    const { session } = newSession({
      crypto: { ...webCrypto, pkcePair: async () => ({ challenge: sent.challenge, verifier: other.verifier }) },
    });

    const state = await session.signIn();

    expect(state).toEqual({ status: 'signed_out', reason: expect.stringContaining('code_verifier') });
    expect(await session.accessToken()).toBeNull();
  });

  it('gives up when the browser never comes back', async () => {
    const { session } = newSession({ openExternal: async () => undefined, callbackTimeoutMs: 200 });
    expect(await session.signIn()).toEqual({ status: 'signed_out', reason: expect.stringMatching(/timed out/) });
  });

  it('says where the server cannot be reached', async () => {
    const { session } = newSession({ serverUrl: 'http://127.0.0.1:9' });
    expect(await session.signIn()).toEqual({ status: 'signed_out', reason: expect.stringMatching(/Could not reach/) });
  });
});

describe('sign-out', () => {
  it('forgets the tokens and revokes the grant at the issuer', async () => {
    const { session, store, states } = newSession();
    await session.signIn();
    const refreshToken = store.secret!;

    await session.signOut();

    expect(session.state()).toEqual({ status: 'signed_out' });
    expect(states.at(-1)).toBe('signed_out');
    expect(store.secret).toBeNull();
    expect(await session.accessToken()).toBeNull();
    expect(await refreshDirectly(refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('ends the session when the issuer no longer honours the refresh token', async () => {
    let clock = Date.now();
    const { session, store } = newSession({ now: () => clock });
    const signedIn = await session.signIn();
    if (signedIn.status !== 'signed_in') throw new Error('sign-in failed');
    // Revoked elsewhere (another device's sign-out of the same grant, an admin).
    await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: store.secret!, client_id: 'strat-coach-desktop' }).toString(),
    });

    clock = signedIn.expiresAt - 1_000;
    expect(await session.accessToken()).toBeNull();
    expect(session.state()).toEqual({ status: 'signed_out', reason: expect.stringMatching(/session has ended/) });
    expect(store.secret).toBeNull();
  });
});

describe('a machine without a keychain', () => {
  it('keeps the session in memory only and says so', async () => {
    const { session, store } = newSession({ store: memoryStore('no keychain here') });

    expect(await session.signIn()).toMatchObject({ status: 'signed_in', reason: 'no keychain here' });
    expect(store.secret).toBeNull();
    expect(await usageWith(await session.accessToken())).toMatchObject({ ok: true });
  });
});

/** The server stops answering (connections refused), then answers again: the same server, the same port. */
async function unreachable(): Promise<{ back(): Promise<void> }> {
  const http = server.app.server;
  const { port } = new URL(server.url);
  http.closeAllConnections();
  await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
  const back = () => new Promise<void>((resolve) => http.listen(Number(port), '127.0.0.1', () => resolve()));
  onTestFinished(async () => {
    if (!http.listening) await back();
  });
  return { back };
}

/**
 * The server's clock (in this process) jumps past the access token's life while the app's stays put, as
 * after a sleep or with clocks apart: the server refuses the token (401) the app still thinks is fresh.
 */
function serverClockAhead(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms });
  onTestFinished(() => void vi.useRealTimers());
}

/** Resolves when the session reaches this status: an event, not a poll. */
const reaches = (session: AuthSession, status: SessionState['status']) =>
  new Promise<SessionState>((resolve) => {
    const stop = session.onChange((state) => {
      if (state.status !== status) return;
      stop();
      resolve(state);
    });
  });

/** The platform's "back online" signal, fired by the test. */
function onlineSignal() {
  const listeners = new Set<() => void>();
  return {
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    fire: () => listeners.forEach((listener) => listener()),
  };
}

const revoke = (refreshToken: string) =>
  fetch(`${server.url}/oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, client_id: 'strat-coach-desktop' }).toString(),
  });

describe('a 401 from the API', () => {
  it('refreshes once and asks again, without the browser', async () => {
    const appClock = Date.now();
    const { session, browser } = newSession({ now: () => appClock });
    await session.signIn();
    const client = createSessionClient({ baseUrl: server.url, session });
    const before = await session.accessToken();
    serverClockAhead(11 * 60_000);
    expect(await usageWith(before)).toMatchObject({ ok: false, error: { status: 401, code: 'token_expired' } });

    expect(await client.get<UsageCurrentResponse>('/usage/current')).toMatchObject({ ok: true });
    expect(await session.accessToken()).not.toBe(before);
    expect(session.state()).toMatchObject({ status: 'signed_in' });
    expect(browser.visits).toHaveLength(1);
  });

  it('after a failed refresh is a signed-out state, and Sign in then signs in again', async () => {
    const appClock = Date.now();
    const { session, browser, store } = newSession({ now: () => appClock });
    await session.signIn();
    const client = createSessionClient({ baseUrl: server.url, session });
    // Neither token is any good now: the access token has expired on the server, the grant was revoked.
    await revoke(store.secret!);
    serverClockAhead(11 * 60_000);

    const refused = await client.get<UsageCurrentResponse>('/usage/current');

    expect(refused).toMatchObject({ ok: false, error: { status: 401 } });
    expect(session.state()).toEqual({ status: 'signed_out', reason: expect.stringMatching(/session has ended/) });
    expect(store.secret).toBeNull();
    expect(await session.signIn()).toMatchObject({ status: 'signed_in', subject: 'user_local' });
    expect(browser.visits).toHaveLength(2);
    expect(await client.get<UsageCurrentResponse>('/usage/current')).toMatchObject({ ok: true });
  });
});

describe('an offline start', () => {
  it('keeps the saved session, reconnects when back online, and never opens the browser', async () => {
    const first = newSession();
    await first.session.signIn();
    first.session.dispose();
    const outage = await unreachable();

    const online = onlineSignal();
    // A backoff longer than the test: only the online signal can bring it back here.
    const { session, browser, store } = newSession({
      store: first.store,
      onOnline: online.subscribe,
      maxBackoffMs: 600_000,
    });
    expect(await session.restore()).toEqual({ status: 'offline', reason: expect.stringMatching(/reconnects/) });
    expect(store.secret).toEqual(expect.any(String));
    // Sign in while offline tries the saved session, not the browser.
    expect(await session.signIn()).toMatchObject({ status: 'offline' });
    expect(await session.accessToken()).toBeNull();

    await outage.back();
    const back = reaches(session, 'signed_in');
    online.fire();
    expect(await back).toMatchObject({ status: 'signed_in', subject: 'user_local' });
    expect(await usageWith(await session.accessToken())).toMatchObject({ ok: true });
    expect(browser.visits).toEqual([]);
  });

  it('reconnects by itself on its backoff timer when no online event comes', async () => {
    const first = newSession();
    await first.session.signIn();
    first.session.dispose();
    const outage = await unreachable();

    const { session, browser } = newSession({ store: first.store, maxBackoffMs: 100 });
    expect(await session.restore()).toMatchObject({ status: 'offline' });
    const back = reaches(session, 'signed_in');
    await outage.back();

    expect(await back).toMatchObject({ status: 'signed_in' });
    expect(browser.visits).toEqual([]);
  });
});

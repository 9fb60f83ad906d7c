// The server the desktop app talks to: https, or plain http on this machine only; server.json in the
// user-data folder when installed, the environment variable in development only; and a saved session
// dropped (signed out) when the server changes, kept when it does not.
import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEncryptedFileStore, type SecretStore } from '../src/main/auth/secret-store';
import { silentLogger } from '../src/main/log';
import { checkServerUrl, chooseServerUrl, resolveServerUrl, serverNotice } from '../src/main/server-url';
import { keychain } from './support/keychain';

describe('checkServerUrl', () => {
  it('refuses plain http to a remote host', () => {
    const checked = checkServerUrl('http://coach.example.com');
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.reason).toMatch(/plain http to coach\.example\.com is refused/);
    expect(checkServerUrl('http://192.168.1.20:3001').ok).toBe(false);
  });

  it('allows plain http to this machine (127.0.0.0/8, ::1, localhost)', () => {
    expect(checkServerUrl('http://127.0.0.1:3001/')).toEqual({ ok: true, url: 'http://127.0.0.1:3001' });
    expect(checkServerUrl('http://127.5.6.7:3001')).toEqual({ ok: true, url: 'http://127.5.6.7:3001' });
    expect(checkServerUrl('http://[::1]:3001')).toEqual({ ok: true, url: 'http://[::1]:3001' });
    expect(checkServerUrl('http://localhost:3001')).toEqual({ ok: true, url: 'http://localhost:3001' });
  });

  it('takes https anywhere, keeping a path and dropping the trailing slash', () => {
    expect(checkServerUrl(' https://coach.example.com/strat/ ')).toEqual({
      ok: true,
      url: 'https://coach.example.com/strat',
    });
  });

  it('refuses what is not a server address', () => {
    for (const text of [
      'coach.example.com',
      'file:///etc/passwd',
      'https://user:pw@coach.example.com',
      'https://a.b/?x=1',
    ]) {
      expect(checkServerUrl(text).ok, text).toBe(false);
    }
  });
});

describe('chooseServerUrl', () => {
  const BUILD = 'https://coach.strat.example';
  const LOCAL = 'http://127.0.0.1:9';
  const choose = (packaged: boolean, environment: string | undefined, file: string | null) =>
    chooseServerUrl({ packaged, environment, file, buildUrl: BUILD });

  it('installed: the environment variable is ignored; server.json is used', () => {
    expect(choose(true, LOCAL, null)).toEqual({ url: BUILD, source: 'build', refused: null });
    expect(choose(true, LOCAL, 'https://mine.example')).toEqual({
      url: 'https://mine.example',
      source: 'file',
      refused: null,
    });
  });

  it('in development the environment variable wins', () => {
    expect(choose(false, LOCAL, 'https://mine.example')).toEqual({ url: LOCAL, source: 'environment', refused: null });
  });

  it('a refused URL falls back to the build URL and says why', () => {
    expect(choose(true, undefined, 'http://evil.example')).toEqual({
      url: BUILD,
      source: 'build',
      refused: 'server.json: plain http to evil.example is refused: use https:// (http only for this machine)',
    });
  });
});

describe('resolveServerUrl, in a user-data folder', () => {
  const BUILD = 'https://coach.strat.example';
  let dir: string;
  let store: SecretStore;
  const start = (serverUrl: string) =>
    resolveServerUrl({
      dir,
      fs: nodeFs,
      packaged: true,
      environment: undefined,
      buildUrl: serverUrl,
      store,
      log: silentLogger,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strat-coach-server-'));
    store = createEncryptedFileStore({
      safeStorage: keychain(),
      file: join(dir, 'session', 'refresh-token.bin'),
      platform: 'linux',
      log: silentLogger,
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads server.json from the user-data folder', async () => {
    await writeFile(join(dir, 'server.json'), JSON.stringify({ serverUrl: 'https://desk.example.com/' }));
    const choice = await start('https://coach.strat.example');
    expect(choice).toMatchObject({ url: 'https://desk.example.com', source: 'file', signedOut: false });
  });

  /** Signed in against the build's server, then server.json set to `serverUrl` and the app started again. */
  const restartWith = async (serverUrl: string) => {
    await start(BUILD);
    await store.save('refresh-token-of-coach');
    await writeFile(join(dir, 'server.json'), JSON.stringify({ serverUrl }));
    return start(BUILD);
  };

  it('keeps the session across restarts against the same server', async () => {
    await start('https://coach.strat.example');
    await store.save('refresh-token-of-coach');
    const again = await start('https://coach.strat.example');
    expect(again.signedOut).toBe(false);
    expect(serverNotice(again)).toBeNull();
    expect(await store.load()).toBe('refresh-token-of-coach');
  });

  it('a changed server URL signs the trader out: the saved session is gone', async () => {
    const changed = await restartWith('https://other.example');
    expect(changed).toMatchObject({ url: 'https://other.example', signedOut: true });
    expect(serverNotice(changed)).toBe(
      'Strat Coach now uses https://other.example, so you were signed out: sign in again.',
    );
    expect(await store.load()).toBeNull();
    expect(JSON.parse(await readFile(join(dir, 'session-server.json'), 'utf8'))).toEqual({
      serverUrl: 'https://other.example',
    });
  });

  it('a refused server.json keeps the build URL, and the session with it', async () => {
    const choice = await restartWith('http://evil.example');
    expect(choice).toMatchObject({ url: BUILD, signedOut: false });
    expect(choice.refused).toMatch(/evil\.example/);
    expect(serverNotice(choice)).toMatch(
      /^Strat Coach is using https:\/\/coach\.strat\.example, not the address configured \(server\.json: plain http to evil\.example is refused/,
    );
    expect(await store.load()).toBe('refresh-token-of-coach');
  });
});

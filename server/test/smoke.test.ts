// `npm start` on a machine with nothing configured (and, here, no Electron binary): the real process
// builds the app, serves health and status in the embedded mode and the web version at `/`, and a token
// from the local issuer's PKCE flow reads usage. Stops gracefully.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, CLIENT_ID, pkcePair, REDIRECT_URI, tokenForm } from './support/pkce.js';
import { freePort, startProcess, type RunningProcess } from './support/process.js';

/** Where Electron's installer could fetch its binary, `npm start` opens the desktop app. */
function hasElectronBinary(): boolean {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary);
  } catch {
    return false;
  }
}

let dataDir: string;
let server: RunningProcess;
let base: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strat-coach-smoke-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = startProcess('npm', ['start'], { DATA_DIR: dataDir, PORT: String(port) });
  await server.waitFor(/strat-coach: open http/, 150_000);
}, 180_000);

afterAll(async () => {
  await server.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('the server started with nothing configured', () => {
  it('says in one line which app it opened, and serves the web version', async () => {
    expect(server.output()).toMatch(
      hasElectronBinary()
        ? /strat-coach: opening the desktop app/
        : /strat-coach: no Electron binary on this machine.*serving the web version/,
    );
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"></div>');
  });

  it('serves health and reports the embedded mode in status', async () => {
    expect(server.output()).toMatch(/mode: embedded/);
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
    const status = (await (await fetch(`${base}/api/v1/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      mode: 'embedded',
      dependencies: { database: { mode: 'pglite', ok: true }, auth: { mode: 'local', ok: true } },
    });
  });

  it('signs in through the local issuer with PKCE and reads usage', async () => {
    const { verifier, challenge } = pkcePair();
    const authorize = await fetch(authorizeUrl(base, challenge, 'smoke'), { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const callback = new URL(authorize.headers.get('location') ?? '');
    expect(callback.searchParams.get('state')).toBe('smoke');
    const token = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: tokenForm({
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        code: callback.searchParams.get('code') ?? '',
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const usage = await fetch(`${base}/api/v1/usage/current`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(usage.status).toBe(200);
    expect(await usage.json()).toMatchObject({ tier: 'free', quota: { limit: 100_000, used: 0 } });
  });

  it('logs no token', () => {
    expect(server.output()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\./);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    // npm itself reports the signal; the server's own log says whether it stopped cleanly.
    await server.stop('SIGTERM');
    expect(server.output()).toMatch(/"signal":"SIGTERM".*shutting down/);
    expect(server.output()).toMatch(/stopped: in-flight requests finished/);
    await expect(fetch(`${base}/api/v1/health`)).rejects.toThrow();
  });
});

describe('a malformed variable', () => {
  it('stops the server at start with a message naming it', async () => {
    const bad = startProcess('npx', ['tsx', 'server/src/server.ts'], { PORT: 'eighty', DATA_DIR: dataDir });
    const code = await bad.exit();
    expect(code).toBe(1);
    expect(bad.output()).toContain('PORT is invalid');
  });
});

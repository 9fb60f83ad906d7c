// The web version: the built renderer served at `/` with its own strict CSP, next to the API; the CSP lets the
// page reach the sign-in issuer the server names (Clerk included), and nothing else.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, startTestServer, type TestServer } from './support/testing.js';

let webDir: string;
let server: TestServer;

beforeAll(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'strat-coach-web-'));
  // As the renderer is built: its meta policy is the desktop's (connect-src 'self').
  await writeFile(
    join(webDir, 'index.html'),
    `<!doctype html><head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self'" />` +
      '<title>Strat Coach</title></head>',
  );
  await writeFile(join(webDir, 'app.js'), 'console.log(1);');
  server = await startTestServer({ webDir });
});
afterAll(async () => {
  await server.close();
  await rm(webDir, { recursive: true, force: true });
});

describe('the web renderer', () => {
  it('is served at / with a CSP that allows only its own scripts', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Strat Coach</title>');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${server.url};`);
    expect(csp).not.toContain('upgrade-insecure-requests');
    const again = await fetch(`${server.url}/index.html`);
    expect({ status: again.status, csp: again.headers.get('content-security-policy') }).toEqual({ status: 200, csp });
    const script = await fetch(`${server.url}/app.js`);
    expect({ status: script.status, csp: script.headers.get('content-security-policy') }).toEqual({ status: 200, csp });
  });

  it('drops the built page’s own meta policy, which the browser would enforce too (it connects to itself alone)', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).not.toMatch(/http-equiv/i);
    expect(html).toBe('<!doctype html><head><title>Strat Coach</title></head>');
  });

  it('leaves the API and unknown paths as they were', async () => {
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
    const missing = await fetch(`${server.url}/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('a web folder without its page (a build that failed half way)', () => {
  it('still starts: the API answers, the files are served, / is 404', async () => {
    const halfBuilt = await mkdtemp(join(tmpdir(), 'strat-coach-web-half-'));
    await writeFile(join(halfBuilt, 'app.js'), 'console.log(1);');
    const started = await startTestServer({ webDir: halfBuilt });
    try {
      expect((await fetch(`${started.url}/api/v1/health`)).status).toBe(200);
      expect((await fetch(`${started.url}/app.js`)).status).toBe(200);
      expect((await fetch(`${started.url}/`)).status).toBe(404);
    } finally {
      await started.close();
      await rm(halfBuilt, { recursive: true, force: true });
    }
  });
});

describe('with Clerk as the issuer', () => {
  it('lets the page connect to the issuer the server names, and to nothing else', async () => {
    const clerk = await startTestIssuer();
    const clerkServer = await startTestServer({
      webDir,
      env: { ...clerk.env, AUTH_OAUTH_CLIENT_ID: 'strat-coach-desktop' },
    });
    try {
      const config = (await (await fetch(`${clerkServer.url}/api/v1/auth/config`)).json()) as { issuer: string };
      expect(config.issuer).toBe(clerk.issuer);
      const csp = (await fetch(`${clerkServer.url}/`)).headers.get('content-security-policy') ?? '';
      const connect = csp.split('; ').find((directive) => directive.startsWith('connect-src'));
      expect(connect).toBe(`connect-src 'self' ${new URL(clerk.issuer).origin}`);
    } finally {
      await clerkServer.close();
      await clerk.close();
    }
  });
});

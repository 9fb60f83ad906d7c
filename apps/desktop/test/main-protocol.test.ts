// The app:// scheme: the built renderer served with a strict CSP, nothing outside its folder reachable by
// any spelling of "..", and the URL policy that locks navigation, IPC senders and permissions to the app.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CSP, resolveAppFile, serveAppFile } from '../src/main/app-protocol';
import { createAppUrlPolicy, externalLink } from '../src/main/app-url';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strat-coach-protocol-'));
  root = join(dir, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Strat Coach</title>');
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string) => serveAppFile(root, { url, method: 'GET' });

describe('serveAppFile', () => {
  it('serves the renderer with its content type and the CSP', async () => {
    const page = await get('app://strat-coach/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(await page.text()).toContain('Strat Coach');

    const script = await get('app://strat-coach/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('app://strat-coach/')).status).toBe(200);
  });

  it('has a CSP with no inline script, no eval and no remote origins', () => {
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).toContain("object-src 'none'");
    expect(APP_CSP).toContain("frame-ancestors 'none'");
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it.each([
    'app://strat-coach/../secret.txt',
    'app://strat-coach/%2e%2e/secret.txt',
    'app://strat-coach/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://strat-coach/..%5csecret.txt',
    'app://strat-coach/%00index.html',
    'app://strat-coach/%E0%A4%A',
    'app://elsewhere/index.html',
    'file:///etc/passwd',
  ])('answers 404 and reads nothing outside the renderer for %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('outside the renderer');
  });

  it('keeps resolved paths inside the renderer folder', () => {
    expect(resolveAppFile(root, 'app://strat-coach/assets/index-abc.js')).toBe(join(root, 'assets', 'index-abc.js'));
    expect(resolveAppFile(root, 'app://strat-coach/assets/%2e%2e%2f%2e%2e%2fsecret.txt')).toBeNull();
  });

  it('answers a missing file or a folder with 404, and refuses writes', async () => {
    expect((await get('app://strat-coach/nope.js')).status).toBe(404);
    expect((await get('app://strat-coach/assets')).status).toBe(404);
    expect((await serveAppFile(root, { url: 'app://strat-coach/index.html', method: 'POST' })).status).toBe(405);
  });
});

describe('the URL policy', () => {
  it('knows the app by scheme and host, and the dev server by origin', () => {
    const production = createAppUrlPolicy();
    expect(production.entryUrl).toBe('app://strat-coach/index.html');
    expect(production.isAppUrl('app://strat-coach/index.html#/history')).toBe(true);
    expect(production.isAppUrl('app://strat-coach.evil/index.html')).toBe(false);
    expect(production.isAppUrl('http://localhost:5173/')).toBe(false);
    expect(production.isAppUrl('file:///work/out/renderer/index.html')).toBe(false);

    expect(createAppUrlPolicy('').entryUrl).toBe('app://strat-coach/index.html');

    const dev = createAppUrlPolicy('http://localhost:5173/');
    expect(dev.entryUrl).toBe('http://localhost:5173/');
    expect(dev.isAppUrl('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5174/')).toBe(false);
  });

  it('grants only clipboard writes, only to the app', () => {
    const policy = createAppUrlPolicy();
    expect(policy.isPermissionAllowed('clipboard-sanitized-write', 'app://strat-coach/index.html')).toBe(true);
    expect(policy.isPermissionAllowed('clipboard-sanitized-write', 'https://example.com/')).toBe(false);
    for (const permission of [
      'media',
      'display-capture',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
    ]) {
      expect(policy.isPermissionAllowed(permission, 'app://strat-coach/index.html')).toBe(false);
    }
  });

  it('hands only http(s) links to the OS browser', () => {
    expect(externalLink('https://www.tradingview.com/chart/')).toBe('https://www.tradingview.com/chart/');
    expect(externalLink('http://example.com')).toBe('http://example.com/');
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://strat-coach/x',
      'smb://host/share',
      'nonsense',
    ]) {
      expect(externalLink(url)).toBeNull();
    }
  });
});

// The log file a trader sends with a bug report: in the user-data folder's logs/, rotated by size, and —
// fed tokens the way they could arrive (an error message, a URL, a field) — never holding one, nor does
// "Copy diagnostics".
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import electronLog from 'electron-log/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diagnosticsText } from '../src/main/diagnostics';
import { createAppLog, LOG_FILE, MAX_LOG_BYTES } from '../src/main/log-file';

let userData: string;
let instance = 0;
beforeEach(async () => {
  userData = await mkdtemp(join(tmpdir(), 'strat-coach-logs-'));
});
afterEach(async () => {
  await rm(userData, { recursive: true, force: true });
});

const appLog = (maxBytes?: number) =>
  createAppLog({
    logger: electronLog.create({ logId: `test-${(instance += 1)}` }),
    userData,
    echo: null,
    ...(maxBytes ? { maxBytes } : {}),
  });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An access token as the issuer signs them (the signature part is opaque to a log reader anyway). */
const ACCESS_TOKEN = `${base64url({ alg: 'RS256', kid: 'k1' })}.${base64url({ sub: 'user_1', exp: 2_000_000_000 })}.c2lnbmF0dXJlLXBhcnQtMDEyMzQ1Njc4OQ`;
const REFRESH_TOKEN = 'rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const CODE = 'AUTHCODE-5f4e3d2c1b0a';
const API_KEY = 'sk-ant-api03-abcdefghijklmnop';

describe('the log file', () => {
  it('is logs/main.log in the user-data folder, one line per entry', async () => {
    const log = appLog();
    log.info('strat coach started', { server: 'https://coach.example.com' });
    log.warn('shortcut not bound', { action: 'quickQuestion' });
    expect(log.file).toBe(join(userData, 'logs', LOG_FILE));
    expect(log.dir).toBe(join(userData, 'logs'));
    const lines = (await readFile(log.file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\[info\]\s+strat coach started \{"server":"https:\/\/coach\.example\.com"\}$/);
    expect(lines[1]).toMatch(/\[warn\]\s+shortcut not bound/);
  });

  it('rotates at its size limit, keeping the previous file as main.old.log', async () => {
    expect(MAX_LOG_BYTES).toBe(1024 * 1024);
    const log = appLog(2_000);
    for (let line = 0; line < 60; line += 1) log.info(`line ${line}`, { padding: 'x'.repeat(60) });
    expect((await readdir(log.dir)).sort()).toEqual(['main.log', 'main.old.log']);
    // Each file stays near the limit (rotation happens before the line that would pass it).
    expect((await stat(log.file)).size).toBeLessThanOrEqual(2_000 + 200);
    expect((await stat(join(log.dir, 'main.old.log'))).size).toBeLessThanOrEqual(2_000 + 200);
    expect(await readFile(log.file, 'utf8')).toContain('line 59');
  });
});

describe('tokens fed into the logs', () => {
  it('never reach the file, nor the diagnostics', async () => {
    const log = appLog();
    log.error('token refresh failed', {
      error: `HTTPError: 401 for Authorization: Bearer ${ACCESS_TOKEN}`,
      refreshToken: REFRESH_TOKEN,
    });
    log.warn('sign-in callback', { url: `http://127.0.0.1:5555/callback?code=${CODE}&state=s-1234` });
    log.error(`upstream said {"access_token":"${ACCESS_TOKEN}","refresh_token":"${REFRESH_TOKEN}"}`);
    log.error('misconfigured', { detail: `key ${API_KEY} rejected` });
    log.info('token in a plain message', { jwt: ACCESS_TOKEN, note: ACCESS_TOKEN });

    const written = await readFile(log.file, 'utf8');
    const diagnostics = diagnosticsText({
      appVersion: '1.4.0',
      versions: { electron: '45.5.0', chrome: '142.0', node: '22.20.0' },
      os: { platform: 'darwin', release: '24.1.0', arch: 'arm64' },
      server: { url: 'https://coach.example.com', source: 'file', refused: null },
      packaged: true,
      session: 'signed_in',
      update: 'none',
      logFile: log.file,
      recentProblems: log.recentProblems(),
    });
    for (const secret of [ACCESS_TOKEN, REFRESH_TOKEN, CODE, API_KEY, ACCESS_TOKEN.split('.')[1]!]) {
      expect(written).not.toContain(secret);
      expect(diagnostics).not.toContain(secret);
    }
    // What is left is still worth reading.
    expect(written).toContain('token refresh failed');
    expect(written).toContain('Bearer [redacted]');
    expect(written).toContain('code=[redacted]&state=[redacted]');
  });

  it('diagnostics carry the version, the OS, the server and the last problems', () => {
    const log = appLog();
    log.info('started');
    log.error('could not load the renderer', { url: 'app://strat-coach' });
    const text = diagnosticsText({
      appVersion: '1.4.0',
      versions: { electron: '45.5.0', chrome: '142.0', node: '22.20.0' },
      os: { platform: 'win32', release: '10.0.26100', arch: 'x64' },
      server: {
        url: 'https://coach.strat.example',
        source: 'build',
        refused: 'server.json: plain http to x is refused',
      },
      packaged: true,
      session: 'signed_out',
      update: 'version 1.5.0 ready',
      logFile: log.file,
      recentProblems: log.recentProblems(),
    });
    expect(text).toContain('Strat Coach 1.4.0');
    expect(text).toContain('Electron 45.5.0');
    expect(text).toContain('OS: win32 10.0.26100 (x64)');
    expect(text).toContain('Server: https://coach.strat.example (from build); refused: server.json');
    expect(text).toContain(`Log file: ${log.file}`);
    expect(text).toMatch(/error could not load the renderer \{"url":"app:\/\/strat-coach"\}/);
    expect(text).not.toContain('started');
  });
});

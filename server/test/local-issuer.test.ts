// The embedded default's OAuth issuer: authorization code + PKCE S256 with loopback redirects, refresh
// token rotation with reuse detection, revocation; its tokens read the API. It answers this machine and its
// own client only, its codes cannot be exhausted, and bad bodies get RFC 6749 errors.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, type TestDatabase } from './support/database.js';
import { buildTestApp, bearer, type TestApp } from './support/app.js';
import { authorizeUrl, CLIENT_ID, pkcePair, REDIRECT_URI, tokenForm } from './support/pkce.js';

let database: TestDatabase;
let test: TestApp;
/** What the server logged, one pino JSON line each. */
const logLines: Array<{ level: number; msg?: string; err?: unknown }> = [];

beforeAll(async () => {
  database = await pgliteTestDatabase();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  test = await buildTestApp({ database: database.db, logger: { level: 'info', stream } });
});
afterAll(async () => {
  await test.close();
  await database.drop();
});

const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function authorize(challenge: string, state = 'state-123', overrides: Record<string, string> = {}) {
  const response = await test.app.inject({ method: 'GET', url: authorizeUrl('', challenge, state, overrides) });
  return { response, location: response.headers.location ? new URL(String(response.headers.location)) : undefined };
}

async function exchange(fields: Record<string, string>) {
  return test.app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: tokenForm(fields) });
}

async function signIn() {
  const { verifier, challenge } = pkcePair();
  const { location } = await authorize(challenge);
  const code = location?.searchParams.get('code') ?? '';
  const response = await exchange({
    grant_type: 'authorization_code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code,
    code_verifier: verifier,
  });
  return response.json<{ access_token: string; refresh_token: string; expires_in: number; token_type: string }>();
}

describe('authorization code with PKCE', () => {
  it('redirects to the loopback URI with a code and the state, and the tokens read the API', async () => {
    const { verifier, challenge } = pkcePair();
    const { response, location } = await authorize(challenge, 'xyz');
    expect(response.statusCode).toBe(302);
    expect(`${location?.origin}${location?.pathname}`).toBe(REDIRECT_URI);
    expect(location?.searchParams.get('state')).toBe('xyz');
    const tokens = await exchange({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      code: location?.searchParams.get('code') ?? '',
      code_verifier: verifier,
    });
    expect(tokens.statusCode).toBe(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    const body = tokens.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, refresh_token: expect.any(String) });
    const usage = await test.app.inject({
      method: 'GET',
      url: '/api/v1/usage/current',
      headers: bearer(body.access_token),
    });
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toMatchObject({ tier: 'free', requests: 0 });
  });

  it('rejects a wrong code_verifier, and the code cannot be used twice', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(challenge)).location?.searchParams.get('code') ?? '';
    const fields = { grant_type: 'authorization_code', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, code };
    const wrong = await exchange({ ...fields, code_verifier: pkcePair().verifier });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({
      error: 'invalid_grant',
      error_description: expect.stringContaining('code_verifier'),
    });
    const replay = await exchange({ ...fields, code_verifier: verifier });
    expect(replay.json().error).toBe('invalid_grant');
  });

  it('rejects a different redirect_uri or client at the token endpoint', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(challenge)).location?.searchParams.get('code') ?? '';
    const response = await exchange({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      redirect_uri: 'http://127.0.0.1:1/other',
      code,
      code_verifier: verifier,
    });
    expect(response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('never redirects to a non-loopback URI', async () => {
    for (const redirect of ['https://evil.example/cb', 'http://192.168.1.10/cb', 'myapp://cb']) {
      const { response } = await authorize(pkcePair().challenge, 's', { redirect_uri: redirect });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.json().error).toBe('invalid_request');
    }
  });

  it('requires S256 PKCE, reporting the error to the client with its state', async () => {
    const { location } = await authorize('plain-challenge-that-is-long-enough-to-pass-43', 'st', {
      code_challenge_method: 'plain',
    });
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('state')).toBe('st');
    expect(location?.searchParams.get('code')).toBeNull();
  });

  it('publishes its JWKS and metadata', async () => {
    const jwks = (await test.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const metadata = (await test.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(metadata).toMatchObject({ code_challenge_methods_supported: ['S256'], issuer: test.config.auth.issuer });
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; replaying an old one revokes the family', async () => {
    const first = await signIn();
    const refresh = (token: string) =>
      exchange({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: token });
    const second = await refresh(first.refresh_token);
    expect(second.statusCode).toBe(200);
    const next = second.json().refresh_token as string;
    expect(next).not.toBe(first.refresh_token);
    expect((await refresh(first.refresh_token)).json().error).toBe('invalid_grant');
    // The replay revoked the family, including the token that had not been used yet.
    expect((await refresh(next)).json().error).toBe('invalid_grant');
  });

  it('are revoked at sign-out', async () => {
    const tokens = await signIn();
    const revoke = await test.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: form,
      payload: tokenForm({ client_id: CLIENT_ID, token: tokens.refresh_token }),
    });
    expect(revoke.statusCode).toBe(200);
    const refreshed = await exchange({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.json().error).toBe('invalid_grant');
  });

  it('are revoked only by this issuer’s client: another, or none, gets an RFC 6749 error and the session stays', async () => {
    const tokens = await signIn();
    const cases: { fields: Record<string, string>; status: number; error: string }[] = [
      { fields: { client_id: 'someone-else' }, status: 401, error: 'invalid_client' },
      { fields: {}, status: 400, error: 'invalid_request' },
    ];
    for (const { fields, status, error } of cases) {
      const refused = await test.app.inject({
        method: 'POST',
        url: '/oauth/revoke',
        headers: form,
        payload: tokenForm({ ...fields, token: tokens.refresh_token }),
      });
      expect(refused.statusCode).toBe(status);
      expect(refused.json().error).toBe(error);
    }
    const refreshed = await exchange({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.statusCode).toBe(200);
  });

  it('rejects an unknown grant type', async () => {
    const response = await exchange({ grant_type: 'password', client_id: CLIENT_ID });
    expect(response.json().error).toBe('unsupported_grant_type');
  });
});

describe('with an external issuer configured', () => {
  it('the local issuer is not served at all', async () => {
    const other = await pgliteTestDatabase();
    const clerk = await buildTestApp({
      database: other.db,
      env: { AUTH_ISSUER: 'https://example.clerk.accounts.dev', AUTH_AUTHORIZED_PARTIES: CLIENT_ID },
    });
    try {
      expect((await clerk.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).statusCode).toBe(404);
      expect((await clerk.app.inject({ method: 'POST', url: '/oauth/token' })).statusCode).toBe(404);
    } finally {
      await clerk.close();
      await other.drop();
    }
  });
});

describe('only this machine', () => {
  const routes = [
    { method: 'GET', url: '/.well-known/jwks.json' },
    { method: 'GET', url: '/.well-known/oauth-authorization-server' },
    { method: 'GET', url: authorizeUrl('', pkcePair().challenge, 's') },
    { method: 'POST', url: '/oauth/token', headers: form, payload: tokenForm({ grant_type: 'refresh_token' }) },
    { method: 'POST', url: '/oauth/revoke', headers: form, payload: tokenForm({ token: 'x' }) },
  ] as const;

  it.each(['192.168.1.20', '10.0.0.5', '::ffff:192.168.1.20', 'fe80::1'])(
    'refuses every issuer route to %s with 403 access_denied, and no code',
    async (remoteAddress) => {
      for (const route of routes) {
        const response = await test.app.inject({ ...route, remoteAddress });
        expect(response.statusCode, route.url).toBe(403);
        expect(response.json()).toEqual({ error: 'access_denied', error_description: expect.any(String) });
        expect(response.headers.location).toBeUndefined();
      }
    },
  );

  it('refuses what a proxy relays, and pages of another host name (DNS rebinding)', async () => {
    const url = authorizeUrl('', pkcePair().challenge, 's');
    for (const headers of [
      { 'x-forwarded-for': '127.0.0.1' },
      { forwarded: 'for=192.0.2.60' },
      { host: 'evil.example:3001' },
    ]) {
      const response = await test.app.inject({ method: 'GET', url, headers });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toBe('access_denied');
    }
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])('serves %s', async (remoteAddress) => {
    const response = await test.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress });
    expect(response.statusCode).toBe(200);
  });
});

describe('only its own client', () => {
  it('answers an authorize request of another client itself, without redirecting', async () => {
    const { response } = await authorize(pkcePair().challenge, 's', { client_id: 'evil-app' });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  });

  it('refuses another client at the token endpoint, even with a good code', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(challenge)).location?.searchParams.get('code') ?? '';
    const response = await exchange({
      grant_type: 'authorization_code',
      client_id: 'evil-app',
      redirect_uri: REDIRECT_URI,
      code,
      code_verifier: verifier,
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    const refresh = await exchange({ grant_type: 'refresh_token', client_id: 'evil-app', refresh_token: 'x' });
    expect(refresh.json().error).toBe('invalid_client');
  });

  it('the API refuses a token of its key issued to another client', async () => {
    const issuer = test.app.localIssuer;
    if (!issuer) throw new Error('the local issuer is not running');
    const foreign = await issuer.mintAccessToken({ subject: 'user_local', clientId: 'evil-app', scope: '' });
    const refused = await test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers: bearer(foreign) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('token_invalid');
    const own = await issuer.mintAccessToken({ subject: 'user_local', clientId: CLIENT_ID, scope: '' });
    expect(
      (await test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers: bearer(own) })).statusCode,
    ).toBe(200);
  });
});

describe('an authorize flood', () => {
  it('5,000 authorize requests from this machine leave sign-in working', { timeout: 120_000 }, async () => {
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 50; batch += 1) {
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => authorize(pkcePair().challenge).then(({ response }) => response)),
      );
      for (const { statusCode } of responses) statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 302: 5_000 });
    const tokens = await signIn();
    expect(tokens.token_type).toBe('Bearer');
  });
});

describe('bad bodies at /oauth/token', () => {
  const valid = {
    grant_type: 'authorization_code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code: 'x',
    code_verifier: 'y'.repeat(43),
  };
  const cases: Array<[string, Record<string, string>, string | undefined]> = [
    ['a JSON body', { 'content-type': 'application/json' }, JSON.stringify(valid)],
    ['malformed JSON', { 'content-type': 'application/json' }, '{"grant_type": '],
    ['an empty JSON body', { 'content-type': 'application/json' }, ''],
    ['plain text', { 'content-type': 'text/plain' }, tokenForm(valid)],
    ['no content type and no body', {}, undefined],
    ['an empty form', form, ''],
    ['a form over the size limit', form, tokenForm({ ...valid, code: 'c'.repeat(2 * 1024 * 1024) })],
    ['a repeated field', form, `${tokenForm(valid)}&grant_type=refresh_token`],
    ['a missing client_id', form, tokenForm({ grant_type: 'refresh_token', refresh_token: 'r' })],
    ['broken percent-encoding', form, 'grant_type=%E0%A4%A&client_id=%%%'],
  ];

  it.each(cases)('%s is 400 with an RFC 6749 error', async (_name, headers, payload) => {
    const before = logLines.length;
    const response = await test.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(response.body).not.toMatch(/\bat .*\.(ts|js)/);
    // A client's fault is no server error: nothing at error level, no stack.
    expect(logLines.slice(before).filter((line) => line.level >= 50)).toEqual([]);
  });

  it('the revoke endpoint too', async () => {
    const response = await test.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/json' },
      payload: '{"token": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });
});

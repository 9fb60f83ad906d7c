// Bearer tokens against a Clerk-shaped issuer on loopback: every way a token can be wrong gets a 401
// with the code of the failed check; good tokens create the user once.
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { buildTestApp, bearer, type TestApp } from './support/app.js';
import { AUTHORIZED_PARTY, startTestIssuer, type TestIssuer } from './support/issuer.js';

let issuer: TestIssuer;
let database: TestDatabase;
let test: TestApp;
let counter = 0;
const newSubject = () => `user_auth${Date.now()}x${(counter += 1)}`;

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await postgresTestDatabase();
  test = await buildTestApp({
    database: database.db,
    env: issuer.env,
  });
});
afterAll(async () => {
  await test.close();
  await database.drop();
  await issuer.close();
});

const usage = (headers: Record<string, string> = {}) =>
  test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });

async function expectRejected(token: string, code: string) {
  const response = await usage(bearer(token));
  expect(response.statusCode).toBe(401);
  expect(response.json()).toEqual({ error: { code, message: expect.any(String) } });
  expect(response.headers['www-authenticate']).toContain('invalid_token');
  return response;
}

describe('valid tokens', () => {
  it('a Clerk session token reads the user’s usage', async () => {
    const response = await usage(bearer(await issuer.sessionToken({ sub: newSubject() })));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ tier: 'free', quota: { limit: 100_000, used: 0 } });
  });

  it('a Clerk OAuth access token (typ at+jwt) is accepted too', async () => {
    expect((await usage(bearer(await issuer.oauthToken({ sub: newSubject() })))).statusCode).toBe(200);
  });

  it('a token within the 5 s clock skew is accepted', async () => {
    const token = await issuer.sessionToken({ sub: newSubject(), expiresIn: -3 });
    expect((await usage(bearer(token))).statusCode).toBe(200);
  });

  it('concurrent first requests of a new subject create one user', async () => {
    const subject = newSubject();
    const token = await issuer.sessionToken({ sub: subject });
    const responses = await Promise.all(Array.from({ length: 10 }, () => usage(bearer(token))));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    const { rows } = await database.db.query('SELECT 1 FROM users WHERE clerk_user_id = $1', [subject]);
    expect(rows).toHaveLength(1);
  });

  it('thirty traders signing in at once, known and new, on every plan, each get their own account', async () => {
    // Their sign-ins share statements (plugins/auth.ts): no trader may get another's row, or none. Each known one
    // has a quota used of their own, which their usage shows.
    const tiers = ['free', 'pro', 'enterprise'] as const;
    const traders = Array.from({ length: 30 }, (_, index) => ({
      subject: newSubject(),
      known: index % 5 !== 0,
      tier: tiers[index % 3]!,
      used: 1_000 + index,
    }));
    for (const trader of traders.filter((one) => one.known)) {
      const { rows } = await database.db.query<{ period_start: Date }>(
        `INSERT INTO users (clerk_user_id, tier) VALUES ($1, $2) RETURNING period_start`,
        [trader.subject, trader.tier],
      );
      await database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE clerk_user_id = $1', [
        trader.subject,
        billingPeriodAt(rows[0]!.period_start, new Date()).start,
        trader.used,
      ]);
    }
    const tokens = await Promise.all(traders.map((trader) => issuer.sessionToken({ sub: trader.subject })));
    const batches = vi.spyOn(test.app.repos.users, 'signInMany');
    try {
      const responses = await Promise.all(tokens.map((token) => usage(bearer(token))));
      expect(responses.map((response) => response.statusCode)).toEqual(Array(30).fill(200));
      expect(
        responses.map((response) => {
          const { tier, quota } = response.json<{ tier: string; quota: { used: number } }>();
          return { tier, used: quota.used };
        }),
      ).toEqual(
        traders.map((trader) => (trader.known ? { tier: trader.tier, used: trader.used } : { tier: 'free', used: 0 })),
      );
      // They did share: at least one statement signed in more than one of them.
      expect(Math.max(...batches.mock.calls.map(([subjects]) => subjects.length))).toBeGreaterThan(1);
    } finally {
      batches.mockRestore();
    }
    const { rows } = await database.db.query<{ clerk_user_id: string }>(
      'SELECT clerk_user_id FROM users WHERE clerk_user_id = ANY($1::text[])',
      [traders.map((trader) => trader.subject)],
    );
    expect(rows.map((row) => row.clerk_user_id).sort()).toEqual(traders.map((trader) => trader.subject).sort());
  });
});

describe('rejected tokens', () => {
  it('missing bearer', async () => {
    const response = await usage();
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('token_missing');
  });

  it('another scheme than Bearer', async () => {
    const response = await usage({ authorization: 'Basic dXNlcjpwYXNz' });
    expect(response.json().error.code).toBe('token_invalid');
  });

  it('expired', async () => {
    await expectRejected(await issuer.sessionToken({ expiresIn: -60 }), 'token_expired');
  });

  it('not yet valid', async () => {
    await expectRejected(await issuer.sessionToken({ notBefore: 60, expiresIn: 120 }), 'token_invalid');
  });

  it('wrong issuer', async () => {
    await expectRejected(await issuer.sessionToken({ issuer: 'https://evil.clerk.accounts.dev' }), 'token_invalid');
  });

  it('Clerk mode does not start without its authorized parties', async () => {
    await expect(buildTestApp({ database: database.db, env: { AUTH_ISSUER: issuer.issuer } })).rejects.toThrow(
      /AUTH_AUTHORIZED_PARTIES/,
    );
  });

  it('wrong authorized party (azp), and an OAuth token for another client', async () => {
    await expectRejected(await issuer.sessionToken({ claims: { azp: 'https://evil.example' } }), 'token_invalid');
    await expectRejected(await issuer.sessionToken({ claims: { azp: undefined } }), 'token_invalid');
    await expectRejected(await issuer.oauthToken({ claims: { client_id: 'someone-else' } }), 'token_invalid');
  });

  it('alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(
      JSON.stringify({ iss: issuer.issuer, sub: 'user_none', sid: 'sess_1', azp: AUTHORIZED_PARTY, exp: now + 60 }),
    );
    await expectRejected(`${header}.${payload}.`, 'token_invalid');
  });

  it('HS256 signed with the issuer’s public key', async () => {
    const publicJwk = issuer.currentPublicJwk();
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const token = await new SignJWT({ sid: 'sess_1', azp: AUTHORIZED_PARTY })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid })
      .setIssuer(issuer.issuer)
      .setSubject('user_hs256')
      .setExpirationTime('1m')
      .sign(secret);
    await expectRejected(token, 'token_invalid');
  });

  it('signed by a key the JWKS does not publish (unknown kid)', async () => {
    await expectRejected(await issuer.sessionToken({ key: await issuer.unpublishedKey() }), 'token_invalid');
  });

  it('malformed header', async () => {
    await expectRejected('not-a-jwt', 'token_invalid');
    await expectRejected(`${base64url.encode('{"alg":')}.e30.sig`, 'token_invalid');
  });

  it('tampered payload', async () => {
    const [header, , signature] = (await issuer.sessionToken()).split('.');
    const forged = base64url.encode(JSON.stringify({ iss: issuer.issuer, sub: 'user_admin', sid: 's', exp: 9e9 }));
    await expectRejected(`${header}.${forged}.${signature}`, 'token_invalid');
  });

  it('a pending session, a token without a session, and a machine subject', async () => {
    await expectRejected(await issuer.sessionToken({ claims: { sts: 'pending' } }), 'token_invalid');
    await expectRejected(await issuer.sessionToken({ claims: { sid: undefined } }), 'token_invalid');
    await expectRejected(await issuer.oauthToken({ sub: 'mch_2abc' }), 'token_invalid');
  });

  it('an unsupported token type', async () => {
    await expectRejected(await issuer.sessionToken({ header: { typ: 'dpop+jwt' } }), 'token_invalid');
  });
});

describe('key rotation', () => {
  it('a token signed with a newly rotated key is accepted after a JWKS refetch', async () => {
    expect((await usage(bearer(await issuer.sessionToken({ sub: newSubject() })))).statusCode).toBe(200);
    const fetchesBefore = issuer.jwksFetches();
    await issuer.rotate();
    const response = await usage(bearer(await issuer.sessionToken({ sub: newSubject() })));
    expect(response.statusCode).toBe(200);
    expect(issuer.jwksFetches()).toBe(fetchesBefore + 1);
  });
});

describe('GET /status', () => {
  it('looks at the issuer’s key set once in a while, however often it is asked, anonymously', async () => {
    const before = issuer.jwksFetches();
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => test.app.inject({ method: 'GET', url: '/api/v1/status' })),
    );
    expect(statuses.map((status) => status.json<{ dependencies: { auth: unknown } }>().dependencies.auth)).toEqual(
      Array.from({ length: 50 }, () => ({ mode: 'clerk', ok: true, latencyMs: expect.any(Number) })),
    );
    expect(issuer.jwksFetches() - before).toBeLessThanOrEqual(1);
  });
});

describe('an unreachable issuer', () => {
  it('answers 503 unavailable, not 401: the token may be fine', async () => {
    const down = await startTestIssuer();
    const orphanDb = await postgresTestDatabase();
    const app = await buildTestApp({ database: orphanDb.db, env: down.env });
    try {
      const token = await down.sessionToken();
      await down.close();
      const response = await app.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers: bearer(token) });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('unavailable');
      const status = await app.app.inject({ method: 'GET', url: '/api/v1/status' });
      expect(status.json()).toMatchObject({ status: 'degraded', dependencies: { auth: { mode: 'clerk', ok: false } } });
    } finally {
      await app.close();
      await orphanDb.drop();
    }
  });
});

// The app's common behaviour: liveness and status, one error shape everywhere, limits, headers.
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTestDatabase, postgresTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './support/database.js';
import { buildTestApp, type TestApp } from './support/app.js';

let database: TestDatabase;
let test: TestApp;

beforeAll(async () => {
  database = await pgliteTestDatabase();
  test = await buildTestApp({
    database: database.db,
    beforeReady: (app) => {
      app.get('/boom', async () => {
        throw new Error('connection string postgres://admin:hunter2@db');
      });
      app.post('/echo', async (request) => ({ size: JSON.stringify(request.body).length }));
    },
  });
});
afterAll(async () => {
  await test.close();
  await database.drop();
});

describe('GET /api/v1/health', () => {
  it('is ok with the version and uptime', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptimeS: expect.any(Number),
    });
  });
});

describe('GET /api/v1/status', () => {
  it('reports the embedded mode and each dependency', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/status' });
    expect(response.json()).toEqual({
      status: 'ok',
      version: expect.any(String),
      // No INSTANCE_ID (nor Railway's replica id): the host and the process.
      instance: `${hostname()}:${process.pid}`,
      mode: 'embedded',
      dependencies: {
        database: { mode: 'pglite', ok: true, latencyMs: expect.any(Number) },
        redis: { mode: 'memory', ok: true, latencyMs: null },
        upstream: {
          mode: 'unconfigured',
          ok: false,
          latencyMs: null,
          message: expect.stringContaining('ANTHROPIC_API_KEY'),
          model: 'claude-sonnet-5-5',
          priceSource: 'table',
        },
        auth: { mode: 'local', ok: true, latencyMs: 0 },
        billing: {
          mode: 'unconfigured',
          ok: true,
          latencyMs: null,
          overage: 'off',
          message: expect.stringContaining('STRIPE_SECRET_KEY'),
        },
      },
    });
  });

  it('warns when the local issuer signs in for a production database', async () => {
    const production = await postgresTestDatabase();
    const app = await buildTestApp({
      database: production.db,
      env: { DATABASE_URL: TEST_DATABASE_URL, AUTH_LOCAL_ISSUER: '1' },
    });
    try {
      const response = await app.app.inject({ method: 'GET', url: '/api/v1/status' });
      expect(response.json()).toMatchObject({
        status: 'ok',
        dependencies: {
          database: { mode: 'postgres', ok: true },
          auth: { mode: 'local', ok: true, message: expect.stringMatching(/local issuer.*AUTH_ISSUER/s) },
        },
      });
    } finally {
      await app.close();
      await production.drop();
    }
  });
});

describe('errors', () => {
  it('unknown routes are 404 in the contract shape', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/v1/nope' } });
  });

  it('an unexpected failure is 500 internal without stack or detail', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    expect(response.body).not.toMatch(/hunter2|stack|at .*\.ts/);
  });

  it('a body over the limit is 413 payload_too_large', async () => {
    const response = await test.app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('malformed JSON is 400 invalid_request', async () => {
    const response = await test.app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"text": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
  });
});

describe('headers', () => {
  it('every response carries our own unique request id, whatever id the client sends', async () => {
    const fresh = await test.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // The same client id twice (a replay, or a client that reuses one) never names two requests.
    const ids = new Set<unknown>([fresh.headers['x-request-id']]);
    for (const incoming of ['lb-1234567890', 'lb-1234567890', 'bad id\n']) {
      const response = await test.app.inject({
        method: 'GET',
        url: '/api/v1/health',
        headers: { 'x-request-id': incoming },
      });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(response.headers['x-request-id']);
    }
    expect(ids.size).toBe(4);
  });

  it('security headers are set and CORS is closed by default', async () => {
    const response = await test.app.inject({
      method: 'GET',
      url: '/api/v1/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS opens for the configured origins only', async () => {
    const other = await pgliteTestDatabase();
    const open = await buildTestApp({ database: other.db, env: { CORS_ORIGINS: 'https://app.stratcoach.test' } });
    try {
      const allowed = await open.app.inject({
        method: 'GET',
        url: '/api/v1/health',
        headers: { origin: 'https://app.stratcoach.test' },
      });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.stratcoach.test');
      const denied = await open.app.inject({
        method: 'GET',
        url: '/api/v1/health',
        headers: { origin: 'https://evil.example' },
      });
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await open.close();
      await other.drop();
    }
  });
});

describe('GET /api/v1/auth/config', () => {
  it('tells clients which issuer and OAuth client to use', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/auth/config' });
    expect(response.json()).toEqual({
      mode: 'local',
      issuer: test.config.auth.issuer,
      clientId: 'strat-coach-desktop',
      scopes: 'openid profile email',
    });
  });
});

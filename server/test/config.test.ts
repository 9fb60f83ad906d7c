// The environment schema: defaults, modes, and an error that names the bad variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, issuerFromPublishableKey, loadConfig } from '../src/config/env.js';

const PARTIES = { AUTH_AUTHORIZED_PARTIES: 'https://stratcoach.app,strat-coach-desktop' };

describe('loadConfig', () => {
  it('defaults to the embedded mode', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/sc' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3001,
      databaseUrl: undefined,
      databasePoolMax: 20,
      redisUrl: undefined,
      redisTimeBoxMs: 50,
      auth: { mode: 'local', issuer: 'http://127.0.0.1:3001' },
      anthropic: { apiKey: undefined, model: 'claude-sonnet-5-5' },
      corsOrigins: [],
      logLevel: 'info',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT is invalid/],
    [{ PORT: '70000' }, /^PORT is invalid/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL is invalid/],
    [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL is invalid/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL is invalid/],
    [{ AUTH_ISSUER: 'not a url' }, /^AUTH_ISSUER is invalid/],
    [{ CLERK_PUBLISHABLE_KEY: 'sk_live_secret' }, /^CLERK_PUBLISHABLE_KEY is invalid/],
    [{ INSTANCE_ID: 'a b' }, /^INSTANCE_ID is invalid/],
    [{ DATABASE_POOL_MAX: '0' }, /^DATABASE_POOL_MAX is invalid/],
    [{ DATABASE_POOL_MAX: 'many' }, /^DATABASE_POOL_MAX is invalid/],
    [{ REDIS_TIME_BOX_MS: '5' }, /^REDIS_TIME_BOX_MS is invalid/],
    [{ REDIS_TIME_BOX_MS: '1000' }, /^REDIS_TIME_BOX_MS is invalid/],
  ])('fails fast naming the variable: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('sizes the PostgreSQL pool from DATABASE_POOL_MAX', () => {
    expect(loadConfig({ DATABASE_POOL_MAX: '8' }).databasePoolMax).toBe(8);
  });

  it('waits REDIS_TIME_BOX_MS for Redis', () => {
    expect(loadConfig({ REDIS_TIME_BOX_MS: '250' }).redisTimeBoxMs).toBe(250);
  });

  it('names the instance by INSTANCE_ID, else by Railway replica id, else by host and process', () => {
    expect(loadConfig({ INSTANCE_ID: 'server-a', RAILWAY_REPLICA_ID: 'r1' }).instanceId).toBe('server-a');
    expect(loadConfig({ RAILWAY_REPLICA_ID: 'r1' }).instanceId).toBe('r1');
    expect(loadConfig({}).instanceId).toMatch(new RegExp(`:${process.pid}$`));
  });

  it('configures Clerk from AUTH_ISSUER with a derived JWKS URL and authorized parties', () => {
    const config = loadConfig({
      AUTH_ISSUER: 'https://clerk.stratcoach.app/',
      AUTH_AUTHORIZED_PARTIES: 'https://stratcoach.app, strat-coach-desktop',
    });
    expect(config.auth).toEqual({
      mode: 'clerk',
      issuer: 'https://clerk.stratcoach.app',
      jwksUrl: 'https://clerk.stratcoach.app/.well-known/jwks.json',
      authorizedParties: ['https://stratcoach.app', 'strat-coach-desktop'],
      oauthClientId: null,
    });
  });

  it('derives the issuer from a Clerk publishable key', () => {
    const key = `pk_test_${Buffer.from('fine-cat-12.clerk.accounts.dev$').toString('base64')}`;
    expect(issuerFromPublishableKey(key)).toBe('https://fine-cat-12.clerk.accounts.dev');
    expect(
      loadConfig({ CLERK_PUBLISHABLE_KEY: key, AUTH_AUTHORIZED_PARTIES: 'https://stratcoach.app' }).auth,
    ).toMatchObject({
      mode: 'clerk',
      issuer: 'https://fine-cat-12.clerk.accounts.dev',
    });
    expect(() => issuerFromPublishableKey('pk_test_bm90IGEgaG9zdA==')).toThrow(/CLERK_PUBLISHABLE_KEY/);
  });

  describe('the local issuer stays on this machine', () => {
    it.each(['0.0.0.0', '::', '192.168.1.10', 'coach.example.com', '::ffff:10.0.0.1'])(
      'refuses HOST=%s without AUTH_ISSUER, naming both',
      (host) => {
        expect(() => loadConfig({ HOST: host })).toThrow(ConfigError);
        expect(() => loadConfig({ HOST: host })).toThrow(/HOST.*AUTH_ISSUER/s);
      },
    );

    it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost', 'LOCALHOST'])('listens on the loopback HOST=%s', (host) => {
      expect(loadConfig({ HOST: host }).auth.mode).toBe('local');
    });

    it('serves a network with an external issuer', () => {
      const config = loadConfig({ HOST: '0.0.0.0', AUTH_ISSUER: 'https://clerk.stratcoach.app', ...PARTIES });
      expect(config.host).toBe('0.0.0.0');
    });

    it.each([{ DATABASE_URL: 'postgres://coach@db.internal/coach' }, { REDIS_URL: 'redis://cache.internal:6379' }])(
      'refuses to sign in for a deployment’s %o: a proxy on the host makes everyone local',
      (deployment) => {
        expect(() => loadConfig(deployment)).toThrow(/AUTH_ISSUER is not.*AUTH_LOCAL_ISSUER=1/s);
        // Run on the owner's own machine, on purpose: it starts, and warns.
        const config = loadConfig({ ...deployment, AUTH_LOCAL_ISSUER: '1' });
        expect(config.warnings).toEqual([expect.stringMatching(/local issuer.*AUTH_ISSUER/s)]);
        expect(config.auth).toMatchObject({ mode: 'local', warning: config.warnings[0] });
        expect(loadConfig({}).warnings).toEqual([]);
      },
    );
  });

  describe('Clerk mode names its authorized parties', () => {
    it.each(['', ' , '])('refuses AUTH_AUTHORIZED_PARTIES=%j', (parties) => {
      expect(() =>
        loadConfig({ AUTH_ISSUER: 'https://clerk.stratcoach.app', AUTH_AUTHORIZED_PARTIES: parties }),
      ).toThrow(/AUTH_AUTHORIZED_PARTIES/);
    });

    it('refuses it unset, also with a publishable key', () => {
      expect(() => loadConfig({ AUTH_ISSUER: 'https://clerk.stratcoach.app' })).toThrow(ConfigError);
      const key = `pk_live_${Buffer.from('clerk.stratcoach.app$').toString('base64')}`;
      expect(() => loadConfig({ CLERK_PUBLISHABLE_KEY: key })).toThrow(/AUTH_AUTHORIZED_PARTIES/);
    });

    it('refuses an app client id its own parties would turn away', () => {
      expect(() =>
        loadConfig({ AUTH_ISSUER: 'https://clerk.stratcoach.app', AUTH_OAUTH_CLIENT_ID: 'oauth_app', ...PARTIES }),
      ).toThrow(/AUTH_OAUTH_CLIENT_ID.*AUTH_AUTHORIZED_PARTIES/s);
    });
  });
});

// The environment schema: defaults, modes, and an error that names the bad variable.
import { describe, expect, it } from 'vitest';
import { issuerFromPublishableKey, loadConfig } from '../src/config/env.js';

describe('loadConfig', () => {
  it('defaults to the embedded mode', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/sc' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3001,
      databaseUrl: undefined,
      redisUrl: undefined,
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
  ])('fails fast naming the variable: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
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
    expect(loadConfig({ CLERK_PUBLISHABLE_KEY: key }).auth).toMatchObject({
      mode: 'clerk',
      issuer: 'https://fine-cat-12.clerk.accounts.dev',
    });
    expect(() => issuerFromPublishableKey('pk_test_bm90IGEgaG9zdA==')).toThrow(/CLERK_PUBLISHABLE_KEY/);
  });
});

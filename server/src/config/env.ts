// The one place the server reads its environment: a schema, defaults, and a clear error that names the
// variable when one is malformed. Everything else receives a typed Config.
import { existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Type, type Static, type TObject } from 'typebox';
import { Value } from 'typebox/value';
import { PING_INTERVAL_S } from '../contract/chat.js';
import { COACH_EFFORTS, resolveCoachModel, type CoachModel } from './coach-model.js';
import { ConfigError } from './config-error.js';
import type { MemoryGuardOptions } from './memory-guard.js';
import { isLoopbackHost } from './loopback.js';

export { ConfigError } from './config-error.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const UsdPerMillion = Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 }));

const Url = (protocols: readonly string[]) => Type.String({ pattern: `^(${protocols.join('|')})://[^\\s]+$` });

export const EnvSchema = Type.Object({
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Url(['postgres', 'postgresql'])),
  /** Connections each instance keeps to PostgreSQL: replicas x this stays under the database's max_connections. */
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  REDIS_URL: Type.Optional(Url(['redis', 'rediss'])),
  /**
   * How long a call to Redis may take before this instance decides alone, in memory, until Redis answers a PING again
   * (services/rate-limiter-redis.ts). Lengthen it where Redis is far away; past it, limits are counted per instance.
   * At most half the client's own command timeout (plugins/redis.ts), which would otherwise cut a call first.
   */
  REDIS_TIME_BOX_MS: Type.Integer({ minimum: 10, maximum: 500, default: 50 }),
  ANTHROPIC_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ANTHROPIC_BASE_URL: Type.Optional(Url(['http', 'https'])),
  COACH_MODEL: Type.String({ minLength: 1, default: 'claude-sonnet-5-5' }),
  COACH_EFFORT: Type.Union(
    COACH_EFFORTS.map((effort) => Type.Literal(effort)),
    { default: 'medium' },
  ),
  COACH_MAX_TOKENS: Type.Integer({ minimum: 1_024, maximum: 128_000, default: 8_192 }),
  COACH_PRICE_INPUT: UsdPerMillion,
  COACH_PRICE_OUTPUT: UsdPerMillion,
  COACH_PRICE_CACHE_READ: UsdPerMillion,
  COACH_PRICE_CACHE_WRITE: UsdPerMillion,
  CHART_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3_650, default: 30 }),
  SSE_WRITE_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }),
  AUTH_ISSUER: Type.Optional(Url(['https', 'http'])),
  AUTH_JWKS_URL: Type.Optional(Url(['https', 'http'])),
  AUTH_AUTHORIZED_PARTIES: Type.Optional(Type.String()),
  CLERK_PUBLISHABLE_KEY: Type.Optional(Type.String({ pattern: '^pk_(test|live)_[A-Za-z0-9+/=_-]+$' })),
  CORS_ORIGINS: Type.Optional(Type.String()),
  AUTH_OAUTH_CLIENT_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' })),
  /** 1: the built-in local issuer with DATABASE_URL or REDIS_URL set (a developer's own machine). */
  AUTH_LOCAL_ISSUER: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
  WEB_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** This instance's name in /status and the logs; Railway's replica id, else host:pid. */
  INSTANCE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,100}$' })),
  RAILWAY_REPLICA_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_(test|live)_[A-Za-z0-9]+$' })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$' })),
  STRIPE_PRICE_PRO: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9]+$' })),
  STRIPE_PRICE_ENTERPRISE: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9]+$' })),
  /** The meter's event name: overage is reported to it when set. */
  STRIPE_METER_EVENT: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' })),
  /** The metered price of that meter, added to each checkout so that the overage is billed. */
  STRIPE_PRICE_OVERAGE: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9]+$' })),
  /** Where Checkout and the Customer Portal send the trader back (default: this server's /api/v1/billing/return). */
  BILLING_RETURN_URL: Type.Optional(Url(['https', 'http'])),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
});
export type Env = Static<typeof EnvSchema>;

export type AuthConfig =
  /** warning: set when the local issuer signs in for a production deployment (/status shows it). */
  | { mode: 'local'; issuer: string; oauthClientId: string; warning: string | null }
  | { mode: 'clerk'; issuer: string; jwksUrl: string; authorizedParties: string[]; oauthClientId: string | null };

/** The OAuth client id the desktop and web apps use with the local issuer. */
export const LOCAL_OAUTH_CLIENT_ID = 'strat-coach-desktop';

/** Rate limiter knobs for tests and benchmarks; production leaves them all unset. */
export interface RateLimitSettings {
  /** Prefix of every Redis key, so parallel tests never share a log. */
  keyPrefix?: string;
  /** Moves the limiters' clocks (Redis TIME, the in-process monotonic clock) by this many ms. */
  clockOffsetMs?: () => number;
  events?: { flushIntervalMs?: number; batchSize?: number; maxBuffered?: number };
  /** Stream leases in Redis: how long one lives unrefreshed, and how often the live ones are refreshed. */
  streamSlots?: { leaseMs?: number; refreshMs?: number; maxHoldMs?: number };
}

/** How turns that could not be recorded at once are recorded later; tests shorten the timers. */
export interface SettlementSettings {
  /** Waits before each retry of the settling statement. */
  retryDelaysMs?: readonly number[];
  /** How often the outbox is replayed and stale reservations swept. */
  recoverIntervalMs?: number;
  /** A reservation older than this is settled by the sweeper (default: the longest stream plus 5 minutes). */
  staleAfterMs?: number;
}

/** Stripe billing; null (billing off) when its variables are unset. */
export interface BillingConfig {
  secretKey: string;
  webhookSecret: string;
  prices: { pro: string; enterprise: string; overage: string | null };
  meterEventName: string | null;
  returnUrl: string | null;
  /** Tests only: the loopback fake Stripe the SDK talks to instead of api.stripe.com. */
  api?: { host: string; port: number; protocol: 'http' | 'https' };
  /** How often unreported overage is queued and sent (tests call `app.billing.reportOverage()` instead). */
  overageIntervalMs?: number;
}

export interface Config {
  /** Which of the instances behind the load balancer this is (INSTANCE_ID). */
  instanceId: string;
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** The PostgreSQL pool's connections (DATABASE_POOL_MAX); PGlite has one. */
  databasePoolMax: number;
  redisUrl: string | undefined;
  /**
   * How long a call to Redis may take before the instance decides in memory (REDIS_TIME_BOX_MS). Tests that assert
   * exact counting across instances lengthen it, so a loaded machine does not trip the fallback.
   */
  redisTimeBoxMs: number;
  anthropic: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    /** The model's table row (or the operator's price), effort and answer budget. */
    coach: CoachModel;
    /** Retries the SDK makes before the stream starts (429/529/5xx). */
    maxRetries: number;
    /** No upstream event for this long ends a stream with upstream_timeout. */
    idleTimeoutMs: number;
    /**
     * While the model thinks, nothing arrives but pings (which the SDK does not pass on): a thinking block may
     * last this long before the stream counts as stalled.
     */
    thinkingTimeoutMs: number;
    /** No answer streams longer than this (it ends with upstream_timeout): bounds how long a reservation lives. */
    streamTimeoutMs: number;
  };
  auth: AuthConfig;
  /** How long jose waits before refetching the JWKS for an unknown kid (tests set 0). */
  jwksCooldownMs: number;
  corsOrigins: string[];
  /** The built web renderer to serve at `/` (the web version of the app); null serves none. */
  webDir: string | null;
  /** `: ping` comments on open event streams (the contract says every 15 s; tests shorten it). */
  ssePingIntervalMs: number;
  /** A client that has not read for this long (the socket's buffer stays full) is dropped. */
  sseWriteTimeoutMs: number;
  /**
   * How long a trader's question (or chart read) waits, unread, behind the trader's previous one (10 s; tests
   * shorten it). Past it, it goes ahead only if the previous one's body is in, and is refused otherwise.
   */
  uploadQueueWaitMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Stored chart bytes are deleted this many days after their question. */
  chartRetentionDays: number;
  /** Things the operator should know, logged once at start (a model near retirement, an operator price). */
  warnings: string[];
  rateLimit?: RateLimitSettings;
  settlement?: SettlementSettings;
  billing: BillingConfig | null;
  /** Tests only: the memory guard's heap limit and its reading of the heap (services/memory-guard.ts). */
  memoryGuard?: MemoryGuardOptions;
}

/** Where `npm run build` puts the renderer (electron-vite's out/renderer at the repository root). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../out/renderer/', import.meta.url));

/** Clerk publishable keys are `pk_(test|live)_` + base64("<frontend api host>$"). */
export function issuerFromPublishableKey(key: string): string {
  const encoded = key.replace(/^pk_(test|live)_/, '');
  const host = Buffer.from(encoded, 'base64').toString('utf8');
  if (!/^[a-z0-9.-]+\.[a-z]{2,}\$$/i.test(host)) {
    throw new ConfigError(
      'CLERK_PUBLISHABLE_KEY is not a Clerk publishable key (it does not encode a Frontend API host)',
    );
  }
  return `https://${host.slice(0, -1)}`;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** Reads the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, now: Date = new Date()): Config {
  const env = readEnv(EnvSchema, source);
  const auth = readAuth(env);
  const coach = resolveCoachModel(env, now);
  return {
    instanceId: env.INSTANCE_ID ?? env.RAILWAY_REPLICA_ID ?? `${hostname()}:${process.pid}`,
    host: env.HOST,
    port: env.PORT,
    ...databaseConfig(env),
    redisUrl: env.REDIS_URL,
    redisTimeBoxMs: env.REDIS_TIME_BOX_MS,
    anthropic: {
      apiKey: env.ANTHROPIC_API_KEY,
      baseUrl: env.ANTHROPIC_BASE_URL,
      model: env.COACH_MODEL,
      coach: coach.model,
      maxRetries: 2,
      idleTimeoutMs: 60_000,
      // 8,192 tokens of thinking at a slow 30 tokens a second, and some: longer is a stall.
      thinkingTimeoutMs: 300_000,
      streamTimeoutMs: 15 * 60_000,
    },
    auth,
    jwksCooldownMs: 30_000,
    corsOrigins: list(env.CORS_ORIGINS),
    ssePingIntervalMs: PING_INTERVAL_S * 1000,
    sseWriteTimeoutMs: env.SSE_WRITE_TIMEOUT_MS,
    uploadQueueWaitMs: 10_000,
    webDir: env.WEB_DIR ?? (existsSync(DEFAULT_WEB_DIR) ? DEFAULT_WEB_DIR : null),
    logLevel: env.LOG_LEVEL,
    chartRetentionDays: env.CHART_RETENTION_DAYS,
    billing: readBilling(env),
    warnings: [...(auth.mode === 'local' && auth.warning ? [auth.warning] : []), ...coach.warnings],
  };
}

const BILLING_REQUIRED = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PRICE_PRO',
  'STRIPE_PRICE_ENTERPRISE',
] as const;

/** Billing is on when its four variables are set, off when none is; some but not all is a mistake. */
function readBilling(env: Env): BillingConfig | null {
  const missing = BILLING_REQUIRED.filter((name) => env[name] === undefined);
  if (missing.length === BILLING_REQUIRED.length) {
    const stray = (['STRIPE_METER_EVENT', 'STRIPE_PRICE_OVERAGE'] as const).find((name) => env[name] !== undefined);
    if (stray) throw new ConfigError(`${stray} is set but billing is off: set ${BILLING_REQUIRED.join(', ')} too`);
    return null;
  }
  if (missing.length > 0) {
    throw new ConfigError(`${missing.join(', ')} unset: billing needs all of ${BILLING_REQUIRED.join(', ')}`);
  }
  if (env.STRIPE_PRICE_PRO === env.STRIPE_PRICE_ENTERPRISE) {
    throw new ConfigError('STRIPE_PRICE_PRO and STRIPE_PRICE_ENTERPRISE are the same price: each tier needs its own');
  }
  return {
    secretKey: env.STRIPE_SECRET_KEY as string,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET as string,
    prices: {
      pro: env.STRIPE_PRICE_PRO as string,
      enterprise: env.STRIPE_PRICE_ENTERPRISE as string,
      overage: env.STRIPE_PRICE_OVERAGE ?? null,
    },
    meterEventName: env.STRIPE_METER_EVENT ?? null,
    returnUrl: env.BILLING_RETURN_URL ?? null,
  };
}

const DatabaseEnvSchema = Type.Pick(EnvSchema, ['DATA_DIR', 'DATABASE_URL', 'DATABASE_POOL_MAX']);
type DatabaseConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'databasePoolMax'>;

/**
 * What the migrations read, and nothing else: `npm run db:migrate` runs where sign-in and the model are not set
 * (compose's migrate service has DATABASE_URL alone, on the image's HOST=0.0.0.0, which loadConfig refuses
 * without AUTH_ISSUER).
 */
export function loadDatabaseConfig(source: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  return databaseConfig(readEnv(DatabaseEnvSchema, source));
}

function databaseConfig(env: Static<typeof DatabaseEnvSchema>): DatabaseConfig {
  return {
    dataDir: env.DATA_DIR ?? join(homedir(), '.strat-coach', 'data'),
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
  };
}

/** The variables `schema` names, converted and defaulted; a ConfigError names the first one that is malformed. */
function readEnv<Schema extends TObject>(schema: Schema, source: NodeJS.ProcessEnv): Static<Schema> {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = source[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, raw));
  const [first] = Value.Errors(schema, withDefaults);
  if (first) {
    const variable = first.instancePath.replace(/^\//, '') || 'environment';
    throw new ConfigError(`${variable} is invalid: ${first.message}`);
  }
  return withDefaults as Static<Schema>;
}

function readAuth(env: Env): AuthConfig {
  let issuer = env.AUTH_ISSUER?.replace(/\/+$/, '');
  if (!issuer && env.CLERK_PUBLISHABLE_KEY) issuer = issuerFromPublishableKey(env.CLERK_PUBLISHABLE_KEY);
  if (!issuer) {
    // The local issuer signs in whoever asks, without a prompt: on a network that is anyone.
    if (!isLoopbackHost(env.HOST)) {
      throw new ConfigError(
        `HOST=${env.HOST} is not a loopback address, and AUTH_ISSUER is unset: the built-in local issuer ` +
          `would hand the owner's token to anyone who can reach the port. Keep HOST on 127.0.0.1 (the default), ` +
          `or set AUTH_ISSUER (Clerk) to serve a network.`,
      );
    }
    // A proxy on the same host (nginx's default proxy_pass to 127.0.0.1 adds no Forwarded header and sends a
    // loopback Host) makes every request look local: the issuer then hands the owner's token to anyone the proxy
    // serves. A deployment's database or Redis says this is a server, not someone's own machine: it is refused
    // unless the operator says otherwise. It only warned before, and a warning is read after the fact.
    const deployed = env.DATABASE_URL ? 'DATABASE_URL' : env.REDIS_URL ? 'REDIS_URL' : null;
    if (deployed && env.AUTH_LOCAL_ISSUER !== '1') {
      throw new ConfigError(
        `${deployed} is set and AUTH_ISSUER is not: the built-in local issuer would sign in everyone who reaches it ` +
          `from this machine, a proxy in front of it included, as its one owner. Set AUTH_ISSUER (Clerk) for a ` +
          `deployment, or AUTH_LOCAL_ISSUER=1 to run the local issuer on your own machine with it.`,
      );
    }
    return {
      mode: 'local',
      issuer: `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}`,
      oauthClientId: env.AUTH_OAUTH_CLIENT_ID ?? LOCAL_OAUTH_CLIENT_ID,
      warning: deployed
        ? `auth: ${deployed} is set but AUTH_ISSUER is not (AUTH_LOCAL_ISSUER=1), so the built-in local issuer ` +
          'signs in everyone who reaches it from this machine (a proxy in front of it included) as one owner. Set ' +
          'AUTH_ISSUER (Clerk) for a production deployment.'
        : null,
    };
  }
  // Without a list, a token the issuer minted for any other app of the instance would be accepted.
  const authorizedParties = list(env.AUTH_AUTHORIZED_PARTIES);
  if (authorizedParties.length === 0) {
    throw new ConfigError(
      'AUTH_AUTHORIZED_PARTIES is required with AUTH_ISSUER (or CLERK_PUBLISHABLE_KEY): a comma list of your ' +
        "apps' origins (a session token's azp) and OAuth client ids (an access token's client_id)",
    );
  }
  const oauthClientId = env.AUTH_OAUTH_CLIENT_ID ?? null;
  if (oauthClientId !== null && !authorizedParties.includes(oauthClientId)) {
    throw new ConfigError(
      `AUTH_OAUTH_CLIENT_ID (${oauthClientId}) is not in AUTH_AUTHORIZED_PARTIES: the app's own tokens would be refused`,
    );
  }
  return {
    mode: 'clerk',
    issuer,
    jwksUrl: env.AUTH_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
    authorizedParties,
    oauthClientId,
  };
}

// Authentication: verifies bearer tokens (Clerk's JWKS, or the built-in local issuer in the embedded
// default), loads or creates the user, and offers the `authenticate` pre-handler. Verified identities are cached
// briefly; a tier change drops them on every instance (Redis pub/sub) or on this one (no Redis).
import DataLoader from 'dataloader';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { AuthConfig, Config } from '../config/env.js';
import type { AuthStatus } from '../contract/health.js';
import type { User } from '../db/repositories/users.js';
import { AppError } from '../errors.js';
import { createLocalIssuer, type LocalIssuer } from '../services/local-issuer.js';
import { timeBoxed } from '../services/rate-limiter-redis.js';
import {
  createTokenVerifier,
  KeySetUnavailableError,
  localKeySet,
  remoteKeySet,
  TokenError,
  type VerifiedToken,
} from '../services/token-verifier.js';

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: PreHandler;
    /** The embedded default's issuer; null when an external issuer (Clerk) is configured. */
    localIssuer: LocalIssuer | null;
    authStatus(): Promise<AuthStatus>;
    /**
     * Drops the user's cached identities on every instance (published through Redis when there is one), so their
     * next request, wherever it lands, reads the row (a new tier). Never rejects: should Redis not take the
     * message, other instances see the change when their cache entry expires (IDENTITY_CACHE_TTL_MS).
     */
    forgetUser(userId: string): Promise<void>;
  }
  interface FastifyRequest {
    user: User | null;
    token: VerifiedToken | null;
  }
}

export interface AuthPluginOptions {
  config: Pick<Config, 'auth' | 'dataDir' | 'jwksCooldownMs' | 'redisTimeBoxMs'>;
}

/** At most this many sign-ins share a statement. */
const SIGN_IN_BATCH = 200;

/** How long a verified token and its user row are reused without checking again. */
export const IDENTITY_CACHE_TTL_MS = 30_000;

/** The Redis channel on which an instance names a user whose cached identities every instance drops. */
export const FORGET_USER_CHANNEL = 'strat-coach:identity:forget';

/** How long start waits for the subscription (a server whose Redis is down still starts). */
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * Listens on FORGET_USER_CHANNEL on a connection of its own (a subscribed connection can do nothing else). After
 * a disconnection every identity is dropped: what was published meanwhile is lost. `subscribed` resolves once
 * subscribed, or after SUBSCRIBE_WAIT_MS.
 */
function subscribeToForgets(
  redis: Redis,
  log: FastifyBaseLogger,
  handlers: { forget(userId: string): void; forgetAll(): void },
): { subscriber: Redis; subscribed: Promise<void> } {
  const subscriber = redis.duplicate();
  let subscribed = false;
  subscriber.on('message', (channel: string, userId: string) => {
    if (channel === FORGET_USER_CHANNEL) handlers.forget(userId);
  });
  subscriber.on('error', () => undefined); // the main client's monitor reports Redis trouble
  const first = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS);
    const subscribe = () =>
      subscriber.subscribe(FORGET_USER_CHANNEL).then(
        () => {
          subscribed = true;
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => log.warn({ err: error }, 'identity invalidation not subscribed yet; retrying on reconnect'),
      );
    subscriber.on('ready', () => {
      // ioredis subscribes again by itself on a reconnection; what was published while away is lost.
      if (subscribed) handlers.forgetAll();
      else void subscribe();
    });
  });
  return { subscriber, subscribed: first };
}

const MESSAGES = {
  token_missing: 'Sign in: this request needs an Authorization: Bearer token.',
  token_invalid: 'The access token is not valid. Sign in again.',
  token_expired: 'The access token has expired. Refresh it or sign in again.',
} as const;

const unauthorized = (code: keyof typeof MESSAGES) =>
  new AppError(code, MESSAGES[code], {}, { 'www-authenticate': `Bearer error="invalid_token"` });

/** The bearer token of the request, or null when there is no Authorization header at all. */
function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') return null;
  const match = /^Bearer[ ]+([A-Za-z0-9\-_=.+/]+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('token_invalid');
  return match[1];
}

/**
 * How long one look at the issuer's key set answers GET /status. /status is public, and each call fetched the key set
 * from the issuer (51 anonymous calls, 51 fetches): a flood of them could get this server's address throttled by
 * Clerk, whose keys verify every token. One look at a time, kept this long.
 */
export const JWKS_PROBE_FRESH_MS = 5_000;

async function probeJwks(auth: Extract<AuthConfig, { mode: 'clerk' }>): Promise<AuthStatus> {
  const started = performance.now();
  try {
    const response = await fetch(auth.jwksUrl, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { keys?: unknown[] };
    const ok = response.ok && Array.isArray(body.keys) && body.keys.length > 0;
    return { mode: 'clerk', ok, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { mode: 'clerk', ok: false, latencyMs: null, message: 'the issuer key set is unreachable' };
  }
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, { config }) => {
    const auth = config.auth;
    const localIssuer =
      auth.mode === 'local'
        ? await createLocalIssuer({ issuer: auth.issuer, dataDir: config.dataDir, clientId: auth.oauthClientId })
        : null;
    const verifyToken = createTokenVerifier(
      localIssuer
        ? {
            issuer: localIssuer.issuer,
            keys: localKeySet(localIssuer.jwks()),
            // It issues to its own client only; a token for any other was not made by this server's flow.
            authorizedParties: [localIssuer.clientId],
          }
        : {
            issuer: auth.issuer,
            keys: remoteKeySet((auth as Extract<AuthConfig, { mode: 'clerk' }>).jwksUrl, config.jwksCooldownMs),
            authorizedParties: auth.mode === 'clerk' ? auth.authorizedParties : [],
          },
    );

    // A token verified moments ago is not verified again: a trader's app sends several requests a minute
    // with the same token, and the signature check plus the user lookup are most of an API call's cost.
    // Entries live until the token expires, at most IDENTITY_CACHE_TTL_MS; a tier change drops them at once
    // (forgetUser), and the TTL bounds what a lost invalidation can leave.
    const identities = new LRUCache<string, { user: User; verified: VerifiedToken }>({
      max: 10_000,
      ttl: IDENTITY_CACHE_TTL_MS,
    });

    // Each forget counts; an identity read before the latest forget of its user is not cached (its row may be
    // the one the forget was about), so a request racing a tier change cannot keep the old tier for 30 s.
    let forgets = 0;
    const forgottenAt = new LRUCache<string, number>({ max: 10_000, ttl: IDENTITY_CACHE_TTL_MS });
    const forgetLocally = (userId: string): void => {
      forgets += 1;
      forgottenAt.set(userId, forgets);
      for (const [token, known] of identities.entries()) {
        if (known.user.id === userId) identities.delete(token);
      }
    };
    let allForgottenAt = 0;
    const forgetAll = (): void => {
      forgets += 1;
      allForgottenAt = forgets;
      identities.clear();
    };

    // The sign-ins of one turn of the event loop share one statement (signInMany): a burst of questions whose
    // tokens are new (the market's open) otherwise queued a statement per trader behind the pool's connections, on
    // the way to the model. In bursts of 100 on a 2-core machine the sign-in took p50 33-55 ms, batched 4-25 ms (the
    // first token, bound there by the machine's CPU, did not measurably move). A subject not yet known is created
    // on its own (findOrCreate). Nothing is cached here (identities is the cache).
    const signIns = new DataLoader<string, User | undefined>(
      async (subjects) => {
        const known = await app.repos.users.signInMany(subjects);
        return subjects.map((subject) => known.get(subject));
      },
      { cache: false, batchScheduleFn: (run) => setImmediate(run), maxBatchSize: SIGN_IN_BATCH },
    );

    const identify = async (request: FastifyRequest, token: string): Promise<void> => {
      const forgetsBefore = forgets;
      const known = identities.get(token);
      if (known && known.verified.expiresAt.getTime() > Date.now()) {
        request.user = known.user;
        request.token = known.verified;
        return;
      }
      let verified: VerifiedToken;
      try {
        verified = await verifyToken(token);
      } catch (error) {
        if (error instanceof TokenError) throw unauthorized(error.code);
        if (error instanceof KeySetUnavailableError) {
          request.log.warn('auth key set unavailable');
          throw new AppError(
            'unavailable',
            'Sign-in cannot be checked right now. Try again shortly.',
            {},
            {
              'retry-after': '5',
            },
          );
        }
        throw error;
      }
      const user =
        (await signIns.load(verified.subject)) ??
        (await app.repos.users.findOrCreate(verified.subject, verified.email));
      request.user = user;
      request.token = verified;
      if (Math.max(forgottenAt.get(user.id) ?? 0, allForgottenAt) > forgetsBefore) return;
      identities.set(
        token,
        { user, verified },
        { ttl: Math.min(IDENTITY_CACHE_TTL_MS, verified.expiresAt.getTime() - Date.now()) },
      );
    };

    const redis = app.redis;
    if (redis) {
      const { subscriber, subscribed } = subscribeToForgets(redis, app.log, { forget: forgetLocally, forgetAll });
      app.addHook('onClose', async () => {
        subscriber.disconnect();
      });
      // Redis up: serve once subscribed. Down at start: do not wait for it twice (the redis plugin did).
      if (app.redisAvailability?.up) await subscribed;
    }
    app.decorate('forgetUser', async (userId: string) => {
      forgetLocally(userId);
      if (!redis) return;
      try {
        await timeBoxed(redis.publish(FORGET_USER_CHANNEL, userId), config.redisTimeBoxMs);
      } catch (error) {
        app.log.warn(
          { err: error, userId },
          `other instances could not be told of the plan change: they see it within ${IDENTITY_CACHE_TTL_MS / 1000} s`,
        );
      }
    });
    app.decorateRequest('user', null);
    app.decorateRequest('token', null);
    app.decorate('localIssuer', localIssuer);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const token = bearerToken(request);
      if (token === null) throw unauthorized('token_missing');
      await identify(request, token);
    });
    let probe: { at: number; status: Promise<AuthStatus> } | null = null;
    app.decorate('authStatus', async (): Promise<AuthStatus> => {
      if (auth.mode === 'local') {
        return { mode: 'local', ok: true, latencyMs: 0, ...(auth.warning ? { message: auth.warning } : {}) };
      }
      const now = performance.now();
      if (probe === null || now - probe.at > JWKS_PROBE_FRESH_MS) probe = { at: now, status: probeJwks(auth) };
      return probe.status;
    });
  },
  { name: 'auth', dependencies: ['database', 'redis'] },
);

/** The signed-in user of a route behind `authenticate`. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) throw unauthorized('token_missing');
  return request.user;
}

// Authentication: verifies bearer tokens (Clerk's JWKS, or the built-in local issuer in the embedded
// default), loads or creates the user, and offers the `authenticate` pre-handler.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import type { AuthConfig, Config } from '../config/env.js';
import type { AuthStatus } from '../contract/health.js';
import type { User } from '../db/repositories/users.js';
import { AppError } from '../errors.js';
import { createLocalIssuer, type LocalIssuer } from '../services/local-issuer.js';
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
    /** Drops the user's cached identities on this instance: their next request reads the row (a new tier). */
    forgetUser(userId: string): void;
  }
  interface FastifyRequest {
    user: User | null;
    token: VerifiedToken | null;
  }
}

export interface AuthPluginOptions {
  config: Pick<Config, 'auth' | 'dataDir' | 'jwksCooldownMs'>;
}

/** How long a verified token and its user row are reused without checking again. */
export const IDENTITY_CACHE_TTL_MS = 30_000;

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
    // Entries live until the token expires, at most IDENTITY_CACHE_TTL_MS, so a tier change shows within it.
    const identities = new LRUCache<string, { user: User; verified: VerifiedToken }>({
      max: 10_000,
      ttl: IDENTITY_CACHE_TTL_MS,
    });

    const identify = async (request: FastifyRequest, token: string): Promise<void> => {
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
      const user = await app.repos.users.findOrCreate(verified.subject, verified.email);
      await app.repos.users.touchLastActive(user).catch((error: unknown) => {
        request.log.warn({ err: error }, 'could not record last activity');
      });
      request.user = user;
      request.token = verified;
      identities.set(
        token,
        { user, verified },
        { ttl: Math.min(IDENTITY_CACHE_TTL_MS, verified.expiresAt.getTime() - Date.now()) },
      );
    };

    app.decorate('forgetUser', (userId: string) => {
      for (const [token, known] of identities.entries()) {
        if (known.user.id === userId) identities.delete(token);
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
    app.decorate('authStatus', async (): Promise<AuthStatus> =>
      auth.mode === 'local'
        ? { mode: 'local', ok: true, latencyMs: 0, ...(auth.warning ? { message: auth.warning } : {}) }
        : probeJwks(auth),
    );
  },
  { name: 'auth', dependencies: ['database'] },
);

/** The signed-in user of a route behind `authenticate`. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) throw unauthorized('token_missing');
  return request.user;
}

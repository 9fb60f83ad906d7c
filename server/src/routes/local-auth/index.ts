// The embedded default's OAuth 2.0 issuer (RFC 6749 + PKCE S256, RFC 7636; loopback redirects, RFC 8252;
// revocation, RFC 7009; metadata, RFC 8414) for the one local user and its one client. Registered only when
// AUTH_ISSUER is unset, and it answers this machine only. Its errors follow RFC 6749 ({ error,
// error_description }), which OAuth clients expect, for bad bodies too.
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { isLoopbackAddress, isLoopbackHost } from '../../config/loopback.js';
import {
  ACCESS_TOKEN_TTL_S,
  CODE_VERIFIER_PATTERN,
  isLoopbackRedirect,
  LOCAL_SUBJECT,
  REFRESH_TOKEN_TTL_S,
  type LocalIssuer,
} from '../../services/local-issuer.js';

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';

class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly statusCode = 400,
  ) {
    super(description);
  }
}

/** A form body holds a few short fields; anything near this is not a client of ours. */
const FORM_BODY_LIMIT_BYTES = 16 * 1024;

/** Fastify's body errors (wrong type, too large, unreadable): the client's fault, said in RFC 6749 terms. */
const BODY_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the body must be application/x-www-form-urlencoded',
  FST_ERR_CTP_BODY_TOO_LARGE: `the body must be under ${FORM_BODY_LIMIT_BYTES} bytes`,
};

/**
 * Why a request cannot be from this machine, or null. Not only the peer: a proxy here relays others'
 * requests (it says so in Forwarded / X-Forwarded-For, which is never trusted to *grant* access), and a
 * page whose name was rebound to 127.0.0.1 (DNS rebinding) still sends its own Host.
 */
function notFromThisMachine(request: FastifyRequest): string | null {
  if (!isLoopbackAddress(request.socket.remoteAddress)) return 'the client is not on this machine';
  const headers = request.headers;
  if (
    headers.forwarded !== undefined ||
    headers['x-forwarded-for'] !== undefined ||
    headers['x-real-ip'] !== undefined
  ) {
    return 'the request was relayed by a proxy';
  }
  const host = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(headers.host ?? '')?.[1];
  if (host === undefined || !isLoopbackHost(host)) return 'the request names another host';
  return null;
}

const CLIENT_ID = Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' });

const AuthorizeQuery = Type.Object({
  response_type: Type.String(),
  client_id: CLIENT_ID,
  redirect_uri: Type.String({ maxLength: 2_000 }),
  code_challenge: Type.Optional(Type.String()),
  code_challenge_method: Type.Optional(Type.String()),
  state: Type.Optional(Type.String({ maxLength: 1_000 })),
  scope: Type.Optional(Type.String({ maxLength: 500 })),
});

const TokenBody = Type.Object({
  grant_type: Type.String(),
  client_id: CLIENT_ID,
  code: Type.Optional(Type.String({ maxLength: 2_000 })),
  redirect_uri: Type.Optional(Type.String({ maxLength: 2_000 })),
  code_verifier: Type.Optional(Type.String({ maxLength: 200 })),
  refresh_token: Type.Optional(Type.String({ maxLength: 200 })),
});

const RevokeBody = Type.Object({
  // RFC 7009 §2.1: the client identifies itself, as at the token endpoint.
  client_id: CLIENT_ID,
  token: Type.String({ maxLength: 200 }),
  token_type_hint: Type.Optional(Type.String()),
});

const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    refresh_token: Type.String(),
    scope: Type.String(),
  },
  { additionalProperties: false },
);

const DEFAULT_SCOPE = 'profile email';

export const localAuthRoutes: FastifyPluginAsyncTypebox<{ issuer: LocalIssuer }> = async (app, { issuer }) => {
  // RFC 6749 §3.2: form bodies only. Dropping the inherited JSON and text parsers makes any other type a 415,
  // answered below as invalid_request.
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT_BYTES });

  // The issuer signs in whoever reaches it, without a prompt: that must be this machine. access_denied
  // ("the authorization server denied the request", RFC 6749 §4.1.2.1) with 403, since no credential helps;
  // said to the caller directly, never through a redirect. Before the body is read.
  app.addHook('onRequest', async (request, reply) => {
    const reason = notFromThisMachine(request);
    if (reason === null) return;
    request.log.info({ remoteAddress: request.socket.remoteAddress, reason }, 'local issuer refused a request');
    return reply
      .status(403)
      .header('cache-control', 'no-store')
      .send({ error: 'access_denied', error_description: `the local issuer answers this machine only: ${reason}` });
  });

  app.setErrorHandler((error: FastifyError | OAuthError, request, reply) => {
    void reply.header('cache-control', 'no-store');
    if (error instanceof OAuthError) {
      return reply.status(error.statusCode).send({ error: error.error, error_description: error.description });
    }
    if (error.validation) {
      return reply.status(400).send({ error: 'invalid_request', error_description: error.message });
    }
    // Any other 4xx is a body Fastify could not take (malformed, too large, another content type).
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ code: error.code }, 'oauth request with an unreadable body');
      const description = BODY_ERRORS[error.code] ?? 'the body is not a well-formed form';
      return reply.status(400).send({ error: 'invalid_request', error_description: description });
    }
    request.log.error({ err: error }, 'oauth endpoint failed');
    return reply.status(500).send({ error: 'server_error', error_description: 'the issuer failed' });
  });

  const issueTokens = async (grant: { subject: string; clientId: string; scope: string; familyId: string }) => {
    const refreshToken = issuer.newRefreshToken();
    await app.repos.refreshTokens.store(refreshToken, grant, new Date(Date.now() + REFRESH_TOKEN_TTL_S * 1000));
    return {
      access_token: await issuer.mintAccessToken(grant),
      token_type: 'Bearer' as const,
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: refreshToken,
      scope: grant.scope,
    };
  };

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return issuer.jwks();
  });

  app.get('/.well-known/oauth-authorization-server', async () => ({
    issuer: issuer.issuer,
    authorization_endpoint: `${issuer.issuer}/oauth/authorize`,
    token_endpoint: `${issuer.issuer}/oauth/token`,
    revocation_endpoint: `${issuer.issuer}/oauth/revoke`,
    jwks_uri: `${issuer.issuer}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
  }));

  app.get('/oauth/authorize', { schema: { querystring: AuthorizeQuery } }, async (request, reply) => {
    const query = request.query;
    // Until the client and its redirect URI are known, errors go to the browser, never to the URI
    // (RFC 6749 §4.1.2.1).
    if (query.client_id !== issuer.clientId) {
      throw new OAuthError('invalid_client', `unknown client_id: this issuer serves ${issuer.clientId} only`);
    }
    if (!isLoopbackRedirect(query.redirect_uri)) {
      throw new OAuthError('invalid_request', 'redirect_uri must be a loopback http URI (RFC 8252)');
    }
    const redirect = new URL(query.redirect_uri);
    const fail = (error: string, description: string) => {
      redirect.searchParams.set('error', error);
      redirect.searchParams.set('error_description', description);
      if (query.state !== undefined) redirect.searchParams.set('state', query.state);
      return reply.redirect(redirect.toString(), 302);
    };
    if (query.response_type !== 'code') return fail('unsupported_response_type', 'only response_type=code');
    if (query.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge ?? '')) {
      return fail('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
    }
    const code = await issuer.issueCode({
      clientId: query.client_id,
      redirectUri: query.redirect_uri,
      codeChallenge: query.code_challenge as string,
      scope: query.scope ?? DEFAULT_SCOPE,
    });
    redirect.searchParams.set('code', code);
    if (query.state !== undefined) redirect.searchParams.set('state', query.state);
    return reply.redirect(redirect.toString(), 302);
  });

  app.post(
    '/oauth/token',
    { schema: { body: TokenBody, response: { 200: TokenResponse } } },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const body = request.body;
      // RFC 6749 §5.2: an unknown client is invalid_client; 401, as for a failed client authentication.
      if (body.client_id !== issuer.clientId) {
        throw new OAuthError('invalid_client', `unknown client_id: this issuer serves ${issuer.clientId} only`, 401);
      }
      if (body.grant_type === 'authorization_code') {
        if (!body.code || !body.redirect_uri || !body.code_verifier) {
          throw new OAuthError('invalid_request', 'code, redirect_uri and code_verifier are required');
        }
        if (!CODE_VERIFIER_PATTERN.test(body.code_verifier)) {
          throw new OAuthError('invalid_request', 'code_verifier must be 43-128 unreserved characters');
        }
        const redeemed = await issuer.redeemCode(body.code, {
          clientId: body.client_id,
          redirectUri: body.redirect_uri,
          codeVerifier: body.code_verifier,
        });
        if (!redeemed.ok) throw new OAuthError('invalid_grant', redeemed.reason);
        return issueTokens({
          subject: LOCAL_SUBJECT,
          clientId: body.client_id,
          scope: redeemed.request.scope,
          familyId: randomUUID(),
        });
      }
      if (body.grant_type === 'refresh_token') {
        if (!body.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required');
        const grant = await app.repos.refreshTokens.consume(body.refresh_token);
        if (!grant) throw new OAuthError('invalid_grant', 'the refresh token is not valid');
        if (grant.clientId !== body.client_id) {
          throw new OAuthError('invalid_grant', 'the refresh token was issued to another client');
        }
        return issueTokens(grant);
      }
      throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    },
  );

  app.post('/oauth/revoke', { schema: { body: RevokeBody } }, async (request, reply) => {
    if (request.body.client_id !== issuer.clientId) {
      throw new OAuthError('invalid_client', `unknown client_id: this issuer serves ${issuer.clientId} only`, 401);
    }
    await app.repos.refreshTokens.revoke(request.body.token);
    return reply.status(200).header('cache-control', 'no-store').send();
  });
};

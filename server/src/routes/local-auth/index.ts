// The embedded default's OAuth 2.0 issuer (RFC 6749 + PKCE S256, RFC 7636; loopback redirects, RFC 8252;
// revocation, RFC 7009; metadata, RFC 8414) for the one local user. Registered only when AUTH_ISSUER is
// unset. Its errors follow RFC 6749 ({ error, error_description }), which OAuth clients expect.
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import {
  ACCESS_TOKEN_TTL_S,
  CODE_VERIFIER_PATTERN,
  isLoopbackRedirect,
  LOCAL_SUBJECT,
  REFRESH_TOKEN_TTL_S,
  type LocalIssuer,
} from '../../services/local-issuer.js';

class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description);
  }
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
  code: Type.Optional(Type.String({ maxLength: 200 })),
  redirect_uri: Type.Optional(Type.String({ maxLength: 2_000 })),
  code_verifier: Type.Optional(Type.String({ maxLength: 200 })),
  refresh_token: Type.Optional(Type.String({ maxLength: 200 })),
});

const RevokeBody = Type.Object({
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
  await app.register(formbody);

  app.setErrorHandler((error: FastifyError | OAuthError, request, reply) => {
    void reply.header('cache-control', 'no-store');
    if (error instanceof OAuthError) {
      return reply.status(400).send({ error: error.error, error_description: error.description });
    }
    if (error.validation) {
      return reply.status(400).send({ error: 'invalid_request', error_description: error.message });
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
    // Until the redirect URI is known to be safe, errors go to the browser, never to the URI.
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
    const code = issuer.issueCode({
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
      if (body.grant_type === 'authorization_code') {
        if (!body.code || !body.redirect_uri || !body.code_verifier) {
          throw new OAuthError('invalid_request', 'code, redirect_uri and code_verifier are required');
        }
        if (!CODE_VERIFIER_PATTERN.test(body.code_verifier)) {
          throw new OAuthError('invalid_request', 'code_verifier must be 43-128 unreserved characters');
        }
        const redeemed = issuer.redeemCode(body.code, {
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
    await app.repos.refreshTokens.revoke(request.body.token);
    return reply.status(200).header('cache-control', 'no-store').send();
  });
};

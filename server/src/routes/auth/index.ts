// GET /auth/config: what a client needs to sign in — the issuer (Clerk's Frontend API, or this server's
// local issuer) and the public OAuth client id. Clients discover the endpoints from the issuer (RFC 8414).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/env.js';
import { AuthConfigResponse } from '../../contract/auth.js';

export const OAUTH_SCOPES = 'openid profile email';

export const authConfigRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.get('/auth/config', { schema: { response: { 200: AuthConfigResponse } } }, async () => ({
    mode: config.auth.mode,
    issuer: config.auth.issuer,
    clientId: config.auth.oauthClientId,
    scopes: OAUTH_SCOPES,
  }));
};

// The web version of the app: the built renderer (out/renderer) served at `/`, same origin as the API,
// so the browser needs no CORS. Its pages get a strict CSP of their own.
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The renderer loads only its own scripts and styles; images may be data: or blob: (captured charts). It
 * connects to its own origin and to the sign-in issuer the server names (GET /api/v1/auth/config): the web
 * host runs the OAuth code exchange and refresh from the page, so with Clerk the page talks to Clerk.
 */
export function webCsp(issuer: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${new URL(issuer).origin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const webRoutes: FastifyPluginAsync<{ root: string; issuer: string }> = async (app, { root, issuer }) => {
  const csp = webCsp(issuer);
  await app.register(fastifyStatic, {
    root,
    index: 'index.html',
    wildcard: false,
    setHeaders: (response) => {
      void response.header('content-security-policy', csp);
    },
  });
};

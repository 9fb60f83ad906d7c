// The web version of the app: the built renderer (out/renderer) served at `/`, same origin as the API,
// so the browser needs no CORS. Its pages get a strict CSP of their own.
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** The renderer loads only its own scripts and styles; images may be data: or blob: (captured charts). */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const webRoutes: FastifyPluginAsync<{ root: string }> = async (app, { root }) => {
  await app.register(fastifyStatic, {
    root,
    index: 'index.html',
    wildcard: false,
    setHeaders: (response) => {
      void response.header('content-security-policy', WEB_CSP);
    },
  });
};

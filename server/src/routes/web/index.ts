// The web version of the app: the built renderer (out/renderer) served at `/`, same origin as the API,
// so the browser needs no CORS. Its pages get a strict CSP of their own.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

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

/**
 * The built page's own policy, a meta tag (the desktop's, whose renderer talks only to its own origin): a browser
 * enforces it as well as the header, so it would refuse the page's requests to the issuer (Clerk's discovery and
 * token exchange) and the web version could not sign in. The web version's policy is the header alone.
 */
const META_CSP = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>\s*/gi;

export const withoutMetaCsp = (html: string): string => html.replace(META_CSP, '');

export const webRoutes: FastifyPluginAsync<{ root: string; issuer: string }> = async (app, { root, issuer }) => {
  const csp = webCsp(issuer);
  // Read once: the renderer is built before the server starts. A folder without its page (a build that failed half
  // way) serves its files and no page, as before, rather than stopping the API with it.
  const html = await readFile(join(root, 'index.html'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    app.log.warn({ webDir: root }, 'the web version has no index.html: / is not served');
    return null;
  });
  if (html !== null) {
    const page = withoutMetaCsp(html);
    const sendPage = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.header('content-security-policy', csp).type('text/html; charset=utf-8').send(page);
    app.get('/', sendPage);
    app.get('/index.html', sendPage);
  }
  await app.register(fastifyStatic, {
    root,
    index: false,
    wildcard: false,
    globIgnore: ['index.html'],
    setHeaders: (response) => {
      void response.header('content-security-policy', csp);
    },
  });
};

// A minimal OAuth client for tests: authorization code + PKCE S256 against the local issuer, by HTTP.
import { createHash, randomBytes } from 'node:crypto';

export const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
export const CLIENT_ID = 'strat-coach-desktop';

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(base: string, challenge: string, state: string, overrides: Record<string, string> = {}) {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    ...overrides,
  });
  return `${base}/oauth/authorize?${params.toString()}`;
}

export const tokenForm = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/**
 * The local issuer's whole sign-in over HTTP, as an app runs it (authorize, then the code for tokens with the
 * verifier): the access token, or an Error saying which step failed. For the smoke test and the eval, which
 * run against a spawned server and cannot use the desktop app's client (the server never imports it).
 */
export async function signInLocally(base: string, state = 'local-sign-in'): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const authorize = await fetch(authorizeUrl(base, challenge, state), { redirect: 'manual' });
  const location = authorize.headers.get('location');
  const callback = location ? new URL(location).searchParams : null;
  const code = callback?.get('code');
  if (authorize.status !== 302 || !code || callback?.get('state') !== state) {
    throw new Error(`sign-in: /oauth/authorize answered ${authorize.status} without a code for this state`);
  }
  const token = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenForm({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      code,
      code_verifier: verifier,
    }),
  });
  const body = (await token.json().catch(() => ({}))) as { access_token?: unknown };
  if (token.status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`sign-in: /oauth/token answered ${token.status}`);
  }
  return body.access_token;
}

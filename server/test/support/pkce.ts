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

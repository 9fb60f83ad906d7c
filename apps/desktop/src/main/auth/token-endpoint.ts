// The issuer's token and revocation endpoints (RFC 6749 §4.1.3 and §6, RFC 7009) for a public client:
// form-encoded requests, no client secret, and the issuer's { error, error_description } turned into AuthErrors.
import type { SignInConfig } from './discovery';
import { AuthError } from './errors';

export interface TokenSet {
  accessToken: string;
  /** Null when the issuer did not issue one (then the session ends when the access token does). */
  refreshToken: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
  idToken: string | null;
}

const TOKEN_TIMEOUT_MS = 15_000;
// RFC 6749 makes expires_in optional; assume a short life rather than a long one.
const DEFAULT_EXPIRES_IN_S = 300;

async function postForm(fetchImpl: typeof fetch, url: string, fields: Record<string, string>) {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch {
    throw new AuthError('offline', `Could not reach ${new URL(url).origin} to sign in. Is it running?`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = ((await response.json()) ?? {}) as Record<string, unknown>;
  } catch {
    // Revocation answers 200 with no body; token errors are judged by the status.
  }
  return { status: response.status, body };
}

function readTokens(status: number, body: Record<string, unknown>, now: number): TokenSet {
  if (status !== 200) {
    const error = typeof body.error === 'string' ? body.error : `http_${status}`;
    const description = typeof body.error_description === 'string' ? body.error_description : error;
    throw new AuthError(
      error === 'invalid_grant' ? 'invalid_grant' : 'token_failed',
      `Sign-in failed: ${description}.`,
    );
  }
  const { access_token, token_type, expires_in, refresh_token, id_token } = body;
  if (typeof access_token !== 'string' || typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer') {
    throw new AuthError('token_failed', 'Sign-in failed: the issuer answered without a bearer token.');
  }
  const lifetimeS = typeof expires_in === 'number' && expires_in > 0 ? expires_in : DEFAULT_EXPIRES_IN_S;
  return {
    accessToken: access_token,
    refreshToken: typeof refresh_token === 'string' ? refresh_token : null,
    expiresAt: now + lifetimeS * 1000,
    idToken: typeof id_token === 'string' ? id_token : null,
  };
}

export async function exchangeCode(
  fetchImpl: typeof fetch,
  config: SignInConfig,
  grant: { code: string; redirectUri: string; verifier: string },
  now: number,
): Promise<TokenSet> {
  const { status, body } = await postForm(fetchImpl, config.metadata.tokenEndpoint, {
    grant_type: 'authorization_code',
    client_id: config.clientId,
    code: grant.code,
    redirect_uri: grant.redirectUri,
    code_verifier: grant.verifier,
  });
  return readTokens(status, body, now);
}

export async function refreshTokens(
  fetchImpl: typeof fetch,
  config: SignInConfig,
  refreshToken: string,
  now: number,
): Promise<TokenSet> {
  const { status, body } = await postForm(fetchImpl, config.metadata.tokenEndpoint, {
    grant_type: 'refresh_token',
    client_id: config.clientId,
    refresh_token: refreshToken,
  });
  const tokens = readTokens(status, body, now);
  // Issuers that do not rotate refresh tokens answer without one: the old one stays valid.
  return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
}

/** RFC 7009: revoking a refresh token ends its whole grant at the issuer. */
export async function revokeToken(fetchImpl: typeof fetch, config: SignInConfig, token: string): Promise<void> {
  const endpoint = config.metadata.revocationEndpoint;
  if (!endpoint) return;
  const { status } = await postForm(fetchImpl, endpoint, {
    token,
    token_type_hint: 'refresh_token',
    client_id: config.clientId,
  });
  if (status !== 200) throw new AuthError('token_failed', `The issuer refused to revoke the session (HTTP ${status}).`);
}

/** The `sub` of a JWT, read without verifying it: only for display, the server verifies every token. */
export function subjectOf(tokens: TokenSet): string | null {
  for (const token of [tokens.accessToken, tokens.idToken]) {
    const payload = token?.split('.')[1];
    if (!payload) continue;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
      if (typeof claims.sub === 'string') return claims.sub;
    } catch {
      // Opaque tokens carry no claims; try the next one.
    }
  }
  return null;
}

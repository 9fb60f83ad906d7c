// Where to sign in: the server names the issuer and the public OAuth client id (GET /api/v1/auth/config),
// and the issuer describes its endpoints (RFC 8414 metadata, or OpenID discovery for Clerk).
import type { AuthConfigResponse } from '@strat-coach/server/contract';
import { AuthError } from './errors';

export interface AuthServerMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** RFC 7009; null when the issuer does not offer revocation (sign-out then only forgets the tokens). */
  revocationEndpoint: string | null;
}

export interface SignInConfig {
  mode: AuthConfigResponse['mode'];
  clientId: string;
  scopes: string;
  metadata: AuthServerMetadata;
}

const DISCOVERY_TIMEOUT_MS = 10_000;
const METADATA_PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Tokens travel to these endpoints: TLS, except the local issuer on loopback (RFC 8252 §8.3). */
export function isSafeEndpoint(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

async function getJson(fetchImpl: typeof fetch, url: string): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
  } catch {
    throw new AuthError('offline', `Could not reach ${new URL(url).origin} to sign in. Is it running?`);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // A non-JSON answer is judged by its status below.
  }
  return { status: response.status, body };
}

export async function fetchAuthConfig(fetchImpl: typeof fetch, serverUrl: string): Promise<AuthConfigResponse> {
  const { status, body } = await getJson(fetchImpl, `${trimSlash(serverUrl)}/api/v1/auth/config`);
  const config = body as Partial<AuthConfigResponse> | null;
  if (status !== 200 || !config || typeof config.issuer !== 'string' || typeof config.scopes !== 'string') {
    throw new AuthError('discovery_failed', `The coach server did not say how to sign in (HTTP ${status}).`);
  }
  if (typeof config.clientId !== 'string' || config.clientId === '') {
    throw new AuthError(
      'not_configured',
      'Sign-in is not configured on this server: set AUTH_OAUTH_CLIENT_ID to the OAuth application of your Clerk instance.',
    );
  }
  return config as AuthConfigResponse;
}

export async function discoverMetadata(fetchImpl: typeof fetch, issuer: string): Promise<AuthServerMetadata> {
  for (const path of METADATA_PATHS) {
    const { status, body } = await getJson(fetchImpl, `${trimSlash(issuer)}${path}`);
    const metadata = (body ?? {}) as Record<string, unknown>;
    // RFC 8414 §3.3: the metadata must name the issuer we asked, or someone else's endpoints could be used.
    if (status !== 200 || typeof metadata.issuer !== 'string' || trimSlash(metadata.issuer) !== trimSlash(issuer)) {
      continue;
    }
    const { authorization_endpoint, token_endpoint, revocation_endpoint } = metadata;
    if (!isSafeEndpoint(authorization_endpoint) || !isSafeEndpoint(token_endpoint)) continue;
    return {
      issuer: metadata.issuer,
      authorizationEndpoint: authorization_endpoint,
      tokenEndpoint: token_endpoint,
      revocationEndpoint: isSafeEndpoint(revocation_endpoint) ? revocation_endpoint : null,
    };
  }
  throw new AuthError('discovery_failed', `The sign-in issuer ${issuer} did not describe its endpoints.`);
}

export async function discoverSignIn(fetchImpl: typeof fetch, serverUrl: string): Promise<SignInConfig> {
  const config = await fetchAuthConfig(fetchImpl, serverUrl);
  const metadata = await discoverMetadata(fetchImpl, config.issuer);
  return { mode: config.mode, clientId: config.clientId as string, scopes: config.scopes, metadata };
}

// The one OAuth 2.0 client of the app (main and the web host), on oauth4webapi: the server names the issuer
// and the public client id (GET /api/v1/auth/config), discovery checks the issuer's metadata names that
// issuer, then PKCE S256, the token endpoint (Bearer tokens only), refresh and revocation. Fetch and the
// random source are injected; the library's errors become AuthErrors with stable codes.
import * as oauth from 'oauth4webapi';
import type { AuthConfigResponse } from '@strat-coach/server/contract';
import { AuthError, type AuthErrorCode } from './errors';

export interface SignInConfig {
  mode: AuthConfigResponse['mode'];
  clientId: string;
  scopes: string;
  /** The issuer's metadata, checked to name the issuer the server named. */
  server: oauth.AuthorizationServer;
}

export interface TokenSet {
  accessToken: string;
  /** Null when the issuer did not issue one (then the session ends when the access token does). */
  refreshToken: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
  idToken: string | null;
}

export interface PkcePair {
  /** 43 characters of base64url: within RFC 7636's 43..128 unreserved characters. */
  verifier: string;
  challenge: string;
}

/** Where the randomness of a sign-in comes from (tests pass their own to send a mismatched verifier). */
export interface SignInCrypto {
  pkcePair(): Promise<PkcePair>;
  randomState(): string;
}

/** The platform's WebCrypto (Node 20 and browsers alike), through oauth4webapi. */
export const webCrypto: SignInCrypto = {
  async pkcePair() {
    const verifier = oauth.generateRandomCodeVerifier();
    return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
  },
  randomState: () => oauth.generateRandomState(),
};

export interface OAuthClientOptions {
  /** The coach server's origin, which names the issuer (the web host: the page's own origin). */
  serverUrl: string;
  fetch: typeof fetch;
  now?: () => number;
}

const DISCOVERY_TIMEOUT_MS = 10_000;
const TOKEN_TIMEOUT_MS = 15_000;
// RFC 6749 makes expires_in optional; assume a short life rather than a long one.
const DEFAULT_EXPIRES_IN_S = 300;
const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

const isLoopback = (url: URL) => url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);

/**
 * Tokens travel to these endpoints: TLS, except the local issuer on loopback (RFC 8252 §8.3). By hand:
 * oauth4webapi's allowInsecureRequests is all or nothing, and it does not check the authorization endpoint,
 * which the browser is sent to.
 */
export function isSafeEndpoint(value: unknown): value is string {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password) return false;
  return url.protocol === 'https:' || isLoopback(url);
}

/** oauth4webapi's options for one request: our fetch, a timeout, and plain http for loopback only. */
function requestOptions<Method, Body = undefined>(
  fetchImpl: typeof fetch,
  endpoint: string | URL | undefined,
  timeoutMs: number,
): oauth.HttpRequestOptions<Method, Body> {
  return {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<Method, Body>) =>
      sendOrOffline(fetchImpl, url, init as RequestInit),
    [oauth.allowInsecureRequests]: endpoint !== undefined && isLoopback(new URL(endpoint)),
    signal: AbortSignal.timeout(timeoutMs),
  };
}

/** An unreachable issuer, or one that fails (5xx), is "offline": the caller keeps the session and retries. */
async function sendOrOffline(fetchImpl: typeof fetch, url: string, init?: RequestInit): Promise<Response> {
  const { origin } = new URL(url);
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch {
    throw new AuthError('offline', `Could not reach ${origin} to sign in. Is it running?`);
  }
  if (response.status >= 500) {
    throw new AuthError('offline', `${origin} could not answer the sign-in (HTTP ${response.status}).`);
  }
  return response;
}

/** oauth4webapi's errors, in our codes. `fallback`: what any other failure of this step is called. */
function toAuthError(error: unknown, fallback: AuthErrorCode, what: string): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const description = error.error_description ?? error.error;
    return new AuthError(error.error === 'invalid_grant' ? 'invalid_grant' : fallback, `${what}: ${description}.`);
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    const detail = (error.error_description ?? error.error).slice(0, 200);
    return new AuthError('access_denied', `Sign-in was not completed (${detail}).`);
  }
  if (error instanceof oauth.UnsupportedOperationError && /token_type/.test(error.message)) {
    return new AuthError('token_type_unsupported', `${what}: the issuer answered without a bearer token.`);
  }
  if (error instanceof oauth.OperationProcessingError) {
    if (error.code === oauth.JSON_ATTRIBUTE_COMPARISON || /"iss"/.test(error.message)) {
      return new AuthError('issuer_mismatch', `${what}: the issuer's answer names another issuer.`);
    }
    if (/"state"/.test(error.message)) {
      return new AuthError('state_mismatch', 'Sign-in was refused: the answer did not match the request.');
    }
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new AuthError('offline', `${what}: the issuer did not answer in time.`);
  }
  return new AuthError(fallback, `${what}: the issuer's answer could not be used.`);
}

/** The `sub` of a JWT, read without verifying it: only for display, the server verifies every token. */
export function subjectOf(tokens: Pick<TokenSet, 'accessToken' | 'idToken'>): string | null {
  for (const token of [tokens.accessToken, tokens.idToken]) {
    const payload = token?.split('.')[1];
    if (!payload) continue;
    try {
      const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
      if (typeof claims.sub === 'string') return claims.sub;
    } catch {
      // Opaque tokens carry no claims; try the next one.
    }
  }
  return null;
}

export function createOAuthClient(options: OAuthClientOptions) {
  const fetchImpl = options.fetch;
  const now = options.now ?? Date.now;
  const serverUrl = options.serverUrl.replace(/\/+$/, '');
  const clientOf = (config: SignInConfig): oauth.Client => ({ client_id: config.clientId });

  async function readAuthConfig(): Promise<AuthConfigResponse & { clientId: string }> {
    const url = `${serverUrl}/api/v1/auth/config`;
    const response = await sendOrOffline(fetchImpl, url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    const config = (await response.json().catch(() => null)) as Partial<AuthConfigResponse> | null;
    if (response.status !== 200 || typeof config?.issuer !== 'string' || typeof config.scopes !== 'string') {
      throw new AuthError('discovery_failed', `The coach server did not say how to sign in (HTTP ${response.status}).`);
    }
    if (typeof config.clientId !== 'string' || config.clientId === '') {
      throw new AuthError(
        'not_configured',
        'Sign-in is not configured on this server: set AUTH_OAUTH_CLIENT_ID to the OAuth application of your Clerk instance.',
      );
    }
    return config as AuthConfigResponse & { clientId: string };
  }

  function readTokens(answer: oauth.TokenEndpointResponse, previousRefresh: string | null): TokenSet {
    // oauth4webapi also takes DPoP-bound tokens; this app has no DPoP key, so such a token is useless to it.
    if (answer.token_type !== 'bearer') {
      throw new AuthError('token_type_unsupported', 'Sign-in failed: the issuer answered without a bearer token.');
    }
    const lifetimeS =
      answer.expires_in !== undefined && answer.expires_in > 0 ? answer.expires_in : DEFAULT_EXPIRES_IN_S;
    return {
      accessToken: answer.access_token,
      // Issuers that do not rotate refresh tokens answer without one: the old one stays valid.
      refreshToken: answer.refresh_token ?? previousRefresh,
      expiresAt: now() + lifetimeS * 1000,
      idToken: answer.id_token ?? null,
    };
  }

  return {
    /** The server's issuer and client id, and that issuer's metadata (RFC 8414 §3.3: it must name itself). */
    async discover(): Promise<SignInConfig> {
      const config = await readAuthConfig();
      const named: string = config.issuer;
      if (!isSafeEndpoint(config.issuer)) {
        throw new AuthError('discovery_failed', `The sign-in issuer ${named} is not served over https.`);
      }
      const issuer = new URL(config.issuer);
      // The local issuer publishes RFC 8414 metadata; Clerk is discovered as the OpenID provider it is.
      const algorithm = config.mode === 'local' ? 'oauth2' : 'oidc';
      const what = `The sign-in issuer ${issuer.origin} did not describe its endpoints`;
      let server: oauth.AuthorizationServer;
      try {
        const response = await oauth.discoveryRequest(issuer, {
          ...requestOptions<'GET'>(fetchImpl, issuer, DISCOVERY_TIMEOUT_MS),
          algorithm,
        });
        server = await oauth.processDiscoveryResponse(issuer, response);
      } catch (error) {
        throw toAuthError(error, 'discovery_failed', what);
      }
      if (!isSafeEndpoint(server.authorization_endpoint) || !isSafeEndpoint(server.token_endpoint)) {
        throw new AuthError('discovery_failed', `${what}.`);
      }
      return { mode: config.mode, clientId: config.clientId, scopes: config.scopes, server };
    },

    /** The issuer's authorize URL for this request (code + PKCE S256). */
    authorizeUrl(config: SignInConfig, request: { redirectUri: string; state: string; challenge: string }): string {
      const url = new URL(config.server.authorization_endpoint as string);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', request.redirectUri);
      url.searchParams.set('scope', config.scopes);
      url.searchParams.set('state', request.state);
      url.searchParams.set('code_challenge', request.challenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return url.toString();
    },

    /** The redirect's parameters (state, then error, checked) exchanged for tokens with the PKCE verifier. */
    async exchangeCode(
      config: SignInConfig,
      redirect: { params: URLSearchParams; expectedState: string; redirectUri: string; verifier: string },
    ): Promise<TokenSet> {
      const client = clientOf(config);
      const what = 'Sign-in failed';
      try {
        const params = oauth.validateAuthResponse(config.server, client, redirect.params, redirect.expectedState);
        const response = await oauth.authorizationCodeGrantRequest(
          config.server,
          client,
          oauth.None(),
          params,
          redirect.redirectUri,
          redirect.verifier,
          requestOptions<'POST', URLSearchParams>(fetchImpl, config.server.token_endpoint, TOKEN_TIMEOUT_MS),
        );
        return readTokens(await oauth.processAuthorizationCodeResponse(config.server, client, response), null);
      } catch (error) {
        throw toAuthError(error, 'token_failed', what);
      }
    },

    /** A new access token (and, where the issuer rotates them, a new refresh token). */
    async refresh(config: SignInConfig, refreshToken: string): Promise<TokenSet> {
      const client = clientOf(config);
      try {
        const response = await oauth.refreshTokenGrantRequest(
          config.server,
          client,
          oauth.None(),
          refreshToken,
          requestOptions<'POST', URLSearchParams>(fetchImpl, config.server.token_endpoint, TOKEN_TIMEOUT_MS),
        );
        return readTokens(await oauth.processRefreshTokenResponse(config.server, client, response), refreshToken);
      } catch (error) {
        throw toAuthError(error, 'token_failed', 'The session could not be renewed');
      }
    },

    /** RFC 7009: revoking a refresh token ends its whole grant. Nothing to do where the issuer offers none. */
    async revoke(config: SignInConfig, token: string): Promise<void> {
      const endpoint = config.server.revocation_endpoint;
      if (!isSafeEndpoint(endpoint)) return;
      try {
        const response = await oauth.revocationRequest(config.server, clientOf(config), oauth.None(), token, {
          ...requestOptions<'POST', URLSearchParams>(fetchImpl, endpoint, TOKEN_TIMEOUT_MS),
          additionalParameters: { token_type_hint: 'refresh_token' },
        });
        await oauth.processRevocationResponse(response);
      } catch (error) {
        throw toAuthError(error, 'token_failed', 'The issuer refused to revoke the session');
      }
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;

// The one OAuth client (shared/auth/oauth-client.ts) with the fetch of Node: against the server's real local
// issuer (discovery, code + PKCE S256, refresh with rotation, revocation), and against a small issuer of this
// test's own on loopback for what a real one does not do on purpose (naming another issuer, a non-Bearer token);
// and the session client's one retry after a 401.
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@strat-coach/server/testing';
import { isAuthError } from '../src/shared/auth/errors';
import { createOAuthClient, isSafeEndpoint, subjectOf, webCrypto } from '../src/shared/auth/oauth-client';
import { createSessionClient } from '../src/shared/auth/session-client';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const clientFor = (serverUrl: string) => createOAuthClient({ serverUrl, fetch: (input, init) => fetch(input, init) });
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

/** A browser whose user is signed in at the issuer: follows the authorize URL to the redirect's query. */
async function visit(authorizeUrl: string): Promise<URLSearchParams> {
  const response = await fetch(authorizeUrl, { redirect: 'manual' });
  return new URL(response.headers.get('location') ?? '').searchParams;
}

async function signIn(serverUrl = server.url) {
  const oauth = clientFor(serverUrl);
  const config = await oauth.discover();
  const pkce = await webCrypto.pkcePair();
  const state = webCrypto.randomState();
  const params = await visit(
    oauth.authorizeUrl(config, { redirectUri: REDIRECT_URI, state, challenge: pkce.challenge }),
  );
  const tokens = await oauth.exchangeCode(config, {
    params,
    expectedState: state,
    redirectUri: REDIRECT_URI,
    verifier: pkce.verifier,
  });
  return { oauth, config, tokens };
}

/** Rejects with an AuthError of this code. */
async function refusedWith(promise: Promise<unknown>, code: string): Promise<string> {
  const error = await promise.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(isAuthError(error) ? error.code : error).toBe(code);
  return (error as Error).message;
}

interface FakeIssuer {
  url: string;
  close(): Promise<void>;
}

/** An issuer (and coach server) of the test's own: its metadata and token answers are the test's to choose. */
async function startFakeIssuer(answers: {
  metadataIssuer?: (self: string) => string;
  tokenType?: string;
  clientId?: string | null;
}) {
  let self = '';
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const http: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', self).pathname;
    if (path === '/api/v1/auth/config') {
      return json(response, 200, {
        mode: 'local',
        issuer: self,
        clientId: answers.clientId === undefined ? 'strat-coach-desktop' : answers.clientId,
        scopes: 'openid profile email',
      });
    }
    if (path === '/.well-known/oauth-authorization-server') {
      return json(response, 200, {
        issuer: answers.metadataIssuer?.(self) ?? self,
        authorization_endpoint: `${self}/oauth/authorize`,
        token_endpoint: `${self}/oauth/token`,
      });
    }
    if (path === '/oauth/token' && request.method === 'POST') {
      return json(response, 200, {
        access_token: 'header.eyJzdWIiOiJ1c2VyX2Zha2UifQ.signature',
        token_type: answers.tokenType ?? 'Bearer',
        expires_in: 600,
        refresh_token: 'refresh-fake',
      });
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  self = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url: self,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  } satisfies FakeIssuer;
}

describe('discovery', () => {
  it('learns the issuer and client from the server, and the endpoints from the issuer', async () => {
    const config = await clientFor(server.url).discover();

    expect(config).toMatchObject({ mode: 'local', clientId: 'strat-coach-desktop', scopes: 'openid profile email' });
    expect(config.server).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/authorize`,
      token_endpoint: `${server.url}/oauth/token`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
    });
  });

  it('refuses metadata that names another issuer than the one the server named', async () => {
    const issuer = await startFakeIssuer({ metadataIssuer: () => 'http://127.0.0.1:1' });
    try {
      const message = await refusedWith(clientFor(issuer.url).discover(), 'issuer_mismatch');
      expect(message).toMatch(/names another issuer/);
    } finally {
      await issuer.close();
    }
  });

  it('says sign-in is not configured when the server names no client', async () => {
    const issuer = await startFakeIssuer({ clientId: null });
    try {
      expect(await refusedWith(clientFor(issuer.url).discover(), 'not_configured')).toMatch(/AUTH_OAUTH_CLIENT_ID/);
    } finally {
      await issuer.close();
    }
  });

  it('says where the server cannot be reached', async () => {
    expect(await refusedWith(clientFor('http://127.0.0.1:9').discover(), 'offline')).toMatch(/Could not reach/);
  });

  it('sends tokens only over TLS, or to a loopback issuer', () => {
    expect(isSafeEndpoint('https://clerk.example.com/oauth/token')).toBe(true);
    expect(isSafeEndpoint('http://127.0.0.1:3001/oauth/token')).toBe(true);
    expect(isSafeEndpoint('http://localhost:3001/oauth/token')).toBe(true);
    expect(isSafeEndpoint('http://clerk.example.com/oauth/token')).toBe(false);
    expect(isSafeEndpoint('https://user:pass@clerk.example.com/')).toBe(false);
    expect(isSafeEndpoint('not a url')).toBe(false);
  });
});

describe('the token endpoint', () => {
  it('exchanges a code with the PKCE verifier, refreshes with rotation, and revokes the grant', async () => {
    const { oauth, config, tokens } = await signIn();
    expect(tokens).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(subjectOf(tokens)).toBe('user_local');

    const renewed = await oauth.refresh(config, tokens.refreshToken!);
    expect(renewed.accessToken).not.toBe(tokens.accessToken);
    expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
    // The spent refresh token is refused (and replaying it revokes the family, as the issuer promises).
    expect(await refusedWith(oauth.refresh(config, tokens.refreshToken!), 'invalid_grant')).toMatch(/not valid/);

    const again = await signIn();
    await again.oauth.revoke(again.config, again.tokens.refreshToken!);
    await refusedWith(again.oauth.refresh(again.config, again.tokens.refreshToken!), 'invalid_grant');
  });

  it('is refused by the issuer when the code verifier does not match the challenge', async () => {
    const oauth = clientFor(server.url);
    const config = await oauth.discover();
    const sent = await webCrypto.pkcePair();
    const params = await visit(
      oauth.authorizeUrl(config, { redirectUri: REDIRECT_URI, state: 's', challenge: sent.challenge }),
    );
    const other = await webCrypto.pkcePair();

    const message = await refusedWith(
      oauth.exchangeCode(config, { params, expectedState: 's', redirectUri: REDIRECT_URI, verifier: other.verifier }),
      'invalid_grant',
    );
    expect(message).toMatch(/code_verifier/);
  });

  it('refuses a redirect whose state is not the one sent, and one that carries an error', async () => {
    const oauth = clientFor(server.url);
    const config = await oauth.discover();
    const pkce = await webCrypto.pkcePair();
    const params = await visit(
      oauth.authorizeUrl(config, { redirectUri: REDIRECT_URI, state: 'sent', challenge: pkce.challenge }),
    );
    const exchange = (query: URLSearchParams) =>
      oauth.exchangeCode(config, {
        params: query,
        expectedState: 'sent',
        redirectUri: REDIRECT_URI,
        verifier: pkce.verifier,
      });

    await refusedWith(exchange(new URLSearchParams({ code: params.get('code')!, state: 'forged' })), 'state_mismatch');
    const denied = new URLSearchParams({
      error: 'access_denied',
      error_description: 'the user said no',
      state: 'sent',
    });
    expect(await refusedWith(exchange(denied), 'access_denied')).toMatch(/the user said no/);
  });

  it.each(['DPoP', 'mac'])('refuses a %s token: only Bearer tokens are used', async (tokenType) => {
    const issuer = await startFakeIssuer({ tokenType });
    try {
      const oauth = clientFor(issuer.url);
      const config = await oauth.discover();
      const params = new URLSearchParams({ code: 'a-code', state: 'sent' });
      const exchange = oauth.exchangeCode(config, {
        params,
        expectedState: 'sent',
        redirectUri: REDIRECT_URI,
        verifier: (await webCrypto.pkcePair()).verifier,
      });
      expect(await refusedWith(exchange, 'token_type_unsupported')).toMatch(/bearer token/);
      await refusedWith(oauth.refresh(config, 'refresh-fake'), 'token_type_unsupported');
    } finally {
      await issuer.close();
    }
  });
});

describe('PKCE and the token claims', () => {
  it('makes 43-character base64url verifiers, different every time, with their S256 challenge', async () => {
    const pairs = await Promise.all(Array.from({ length: 20 }, () => webCrypto.pkcePair()));
    expect(new Set(pairs.map((pair) => pair.verifier)).size).toBe(20);
    for (const { verifier, challenge } of pairs) {
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
    }
  });

  it('reads the subject of a token for display, and nothing from a malformed one', () => {
    // base64url of {"sub":"user_local","scope":"openid"}
    const payload = 'eyJzdWIiOiJ1c2VyX2xvY2FsIiwic2NvcGUiOiJvcGVuaWQifQ';
    expect(subjectOf({ accessToken: `header.${payload}.signature`, idToken: null })).toBe('user_local');
    expect(subjectOf({ accessToken: 'opaque', idToken: `h.${payload}.s` })).toBe('user_local');
    expect(subjectOf({ accessToken: 'not-a-jwt', idToken: null })).toBeNull();
    expect(subjectOf({ accessToken: 'a.%%%.c', idToken: null })).toBeNull();
  });
});

describe('the session client (shared/auth/session-client.ts)', () => {
  /** A session stand-in that hands out these tokens in turn and records what the client asked of it. */
  function scriptedSession(tokens: string[], recovers: boolean) {
    const calls: string[] = [];
    let next = 0;
    return {
      calls,
      accessToken: async () => tokens[Math.min(next, tokens.length - 1)] ?? null,
      recover: async (rejected: string | null) => {
        calls.push(`recover ${rejected}`);
        next += 1;
        return recovers;
      },
      end: async () => void calls.push('end'),
    };
  }

  it('asks again after a refresh, and ends the session when even the new token is refused', async () => {
    const session = scriptedSession(['stale', 'also-refused'], true);
    const client = createSessionClient({ baseUrl: server.url, session });

    const result = await client.get('/usage/current');

    expect(result).toMatchObject({ ok: false, error: { status: 401 } });
    expect(session.calls).toEqual(['recover stale', 'end']);
  });

  it('does not ask again when the refresh failed (the session has said why)', async () => {
    const session = scriptedSession(['stale'], false);
    const result = await createSessionClient({ baseUrl: server.url, session }).get('/usage/current');
    expect(result).toMatchObject({ ok: false, error: { status: 401 } });
    expect(session.calls).toEqual(['recover stale']);
  });

  it('asks a question again with the new token, and reports only what the second ask met', async () => {
    const { tokens } = await signIn();
    const session = scriptedSession(['stale', tokens.accessToken], true);
    const errors: { status: number | null; code: string }[] = [];

    const outcome = await createSessionClient({ baseUrl: server.url, session }).streamChat(
      { message: 'Is the 4-hour in continuity?' },
      { onEvent: () => undefined, onError: (error) => errors.push({ status: error.status, code: error.code }) },
    );

    // Past the 401, the signed-in request is answered (this server has no Anthropic key: by the local chart
    // reader), and the refused first ask is not reported.
    expect(outcome).toBe('completed');
    expect(errors).toEqual([]);
    expect(session.calls).toEqual(['recover stale']);
  });
});

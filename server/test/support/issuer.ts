// A stand-in for Clerk on loopback: serves a JWKS and mints Clerk-shaped RS256 tokens (session tokens,
// typ JWT; OAuth access tokens, typ at+jwt) with jose. Keys can be rotated mid-test.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `ins_${randomUUID().replaceAll('-', '')}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface MintOptions {
  sub?: string;
  /** Overrides or additions to the claims; `undefined` removes a default claim. */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** Seconds relative to now. */
  expiresIn?: number;
  notBefore?: number;
  issuer?: string;
  key?: SigningKey;
}

export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  /** The server's Clerk-mode environment for this issuer: AUTH_ISSUER and the parties its tokens name. */
  env: { AUTH_ISSUER: string; AUTH_AUTHORIZED_PARTIES: string };
  /** Number of times the JWKS was fetched. */
  jwksFetches(): number;
  sessionToken(options?: MintOptions): Promise<string>;
  oauthToken(options?: MintOptions): Promise<string>;
  /** Publishes a new key (old one kept in the JWKS) and signs with it from now on. */
  rotate(): Promise<void>;
  /** A key the JWKS does not publish. */
  unpublishedKey(): Promise<SigningKey>;
  currentPublicJwk(): JWK;
  close(): Promise<void>;
}

/** The azp of its session tokens (a web app's origin) and the client_id of its OAuth access tokens. */
export const AUTHORIZED_PARTY = 'https://app.stratcoach.test';
export const OAUTH_CLIENT_ID = 'strat-coach-desktop';

export async function startTestIssuer(): Promise<TestIssuer> {
  const keys: SigningKey[] = [await newKey()];
  let fetches = 0;
  const current = (): SigningKey => {
    const key = keys.at(-1);
    if (!key) throw new Error('the issuer has no key');
    return key;
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mint = async (typ: string, defaults: Record<string, unknown>, options: MintOptions = {}): Promise<string> => {
    const key = options.key ?? current();
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      ...defaults,
      iss: options.issuer ?? issuer,
      sub: options.sub ?? 'user_2abcdefTEST',
      iat: now,
      nbf: now + (options.notBefore ?? -10),
      exp: now + (options.expiresIn ?? 60),
    };
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ, ...options.header })
      .sign(key.privateKey);
  };

  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    env: { AUTH_ISSUER: issuer, AUTH_AUTHORIZED_PARTIES: `${AUTHORIZED_PARTY},${OAUTH_CLIENT_ID}` },
    jwksFetches: () => fetches,
    sessionToken: (options) =>
      mint('JWT', { azp: AUTHORIZED_PARTY, sid: `sess_${randomUUID()}`, v: 2, fva: [0, -1], sts: 'active' }, options),
    oauthToken: (options) =>
      mint('at+jwt', { client_id: OAUTH_CLIENT_ID, scope: 'profile email', jti: randomUUID() }, options),
    async rotate() {
      keys.push(await newKey());
    },
    unpublishedKey: newKey,
    currentPublicJwk: () => current().publicJwk,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

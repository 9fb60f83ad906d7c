// The built-in issuer of the embedded default: one local user and one client, an RS256 key kept in
// DATA_DIR, access tokens shaped like Clerk's OAuth access tokens, and short-lived single-use authorization
// codes that carry their own request, so no flood of authorize requests can fill a store.
import { createHash, hkdfSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EncryptJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtDecrypt,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { LRUCache } from 'lru-cache';

export const LOCAL_SUBJECT = 'user_local';
export const ACCESS_TOKEN_TTL_S = 10 * 60;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 60 * 60;
const CODE_TTL_S = 60;
/**
 * Spent codes are remembered until they expire. Past this many within a minute the oldest is forgotten
 * rather than refusing a sign-in: replaying it would still need its PKCE verifier, which only the client
 * that already redeemed it holds.
 */
const MAX_SPENT_CODES = 100_000;

interface StoredKey {
  kid: string;
  privateJwk: JWK;
}

async function loadOrCreateKey(dataDir: string): Promise<StoredKey> {
  const file = join(dataDir, 'auth', 'local-issuer-key.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const stored: StoredKey = { kid: `local-${randomUUID()}`, privateJwk: await exportJWK(privateKey) };
  await mkdir(join(dataDir, 'auth'), { recursive: true, mode: 0o700 });
  // wx: two instances starting at once must not overwrite each other's key.
  await writeFile(file, JSON.stringify(stored), { mode: 0o600, flag: 'wx' }).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    Object.assign(stored, JSON.parse(await readFile(file, 'utf8')) as StoredKey);
  });
  return stored;
}

/**
 * The key that seals authorization codes (JWE dir + A256GCM): derived from the signing key, so it is kept
 * as that key is (DATA_DIR/auth, 0600) and survives restarts, and serves nothing else.
 */
function codeKey(privateJwk: JWK): Uint8Array {
  if (!privateJwk.d) throw new Error('the local issuer key has no private part');
  const secret = Buffer.from(privateJwk.d, 'base64url');
  return new Uint8Array(hkdfSync('sha256', secret, Buffer.alloc(0), 'strat-coach local issuer: codes', 32));
}

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
}

/** RFC 7636: the verifier's alphabet and length. */
export const CODE_VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** RFC 8252 §7.3: native apps redirect to a loopback IP on any port, over plain http. */
export function isLoopbackRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname) &&
    url.username === '' &&
    url.password === '' &&
    url.hash === ''
  );
}

const sameText = (expected: string, actual: string): boolean => {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
};

export async function createLocalIssuer(options: { issuer: string; dataDir: string; clientId: string }) {
  const key = await loadOrCreateKey(options.dataDir);
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  const { n, e, kty } = key.privateJwk;
  const publicJwk: JWK = { kty, n, e, kid: key.kid, alg: 'RS256', use: 'sig' };
  const sealKey = codeKey(key.privateJwk);
  const spent = new LRUCache<string, true>({ max: MAX_SPENT_CODES, ttl: CODE_TTL_S * 1000 });
  const refuse = (reason: string) => ({ ok: false as const, reason });

  return {
    issuer: options.issuer,
    /** The one OAuth client this issuer serves (AUTH_OAUTH_CLIENT_ID): the desktop and web apps. */
    clientId: options.clientId,
    jwks: (): JSONWebKeySet => ({ keys: [publicJwk] }),

    /** Seals the request into an opaque code valid for 60 s; nothing is stored until it is redeemed. */
    issueCode(request: AuthorizationRequest): Promise<string> {
      return new EncryptJWT({
        client_id: request.clientId,
        // The URI itself can be long; the code only needs to tell whether the same one comes back.
        redirect_uri_hash: s256(request.redirectUri),
        code_challenge: request.codeChallenge,
        scope: request.scope,
      })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuer(options.issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${CODE_TTL_S}s`)
        .encrypt(sealKey);
    },

    /** Spends a code: it must be ours, fresh, unused, match the client and redirect, and the PKCE verifier. */
    async redeemCode(code: string, presented: { clientId: string; redirectUri: string; codeVerifier: string }) {
      let claims;
      try {
        ({ payload: claims } = await jwtDecrypt(code, sealKey, {
          issuer: options.issuer,
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          requiredClaims: ['jti', 'exp'],
        }));
      } catch {
        return refuse('unknown or expired code');
      }
      const { jti, client_id: clientId, redirect_uri_hash: redirectHash, code_challenge: challenge, scope } = claims;
      if (typeof jti !== 'string' || typeof clientId !== 'string' || typeof redirectHash !== 'string') {
        return refuse('unknown or expired code');
      }
      if (typeof challenge !== 'string' || typeof scope !== 'string') return refuse('unknown or expired code');
      // Any attempt spends the code (RFC 6749 §4.1.2: used once), a failed one too.
      if (spent.has(jti)) return refuse('the code was already used');
      spent.set(jti, true);
      if (clientId !== presented.clientId) return refuse('client_id does not match');
      if (!sameText(redirectHash, s256(presented.redirectUri))) return refuse('redirect_uri does not match');
      if (!sameText(challenge, s256(presented.codeVerifier))) {
        return refuse('code_verifier does not match the code_challenge');
      }
      return {
        ok: true as const,
        request: { clientId, redirectUri: presented.redirectUri, codeChallenge: challenge, scope },
      };
    },

    /** An access token shaped like Clerk's OAuth access tokens (typ at+jwt, client_id, scope). */
    async mintAccessToken(grant: { subject: string; clientId: string; scope: string }): Promise<string> {
      return new SignJWT({ client_id: grant.clientId, scope: grant.scope })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
        .setIssuer(options.issuer)
        .setSubject(grant.subject)
        .setJti(randomUUID())
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime(`${ACCESS_TOKEN_TTL_S}s`)
        .sign(privateKey);
    },

    newRefreshToken: (): string => randomBytes(32).toString('base64url'),
  };
}

export type LocalIssuer = Awaited<ReturnType<typeof createLocalIssuer>>;

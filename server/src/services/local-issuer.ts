// The built-in issuer of the embedded default: one local user, an RS256 key kept in DATA_DIR, access
// tokens shaped like Clerk's OAuth access tokens, and short-lived single-use authorization codes.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';

export const LOCAL_SUBJECT = 'user_local';
export const ACCESS_TOKEN_TTL_S = 10 * 60;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 60 * 60;
const CODE_TTL_MS = 60_000;
const MAX_PENDING_CODES = 1_000;

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

export async function createLocalIssuer(options: { issuer: string; dataDir: string }) {
  const key = await loadOrCreateKey(options.dataDir);
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  const { n, e, kty } = key.privateJwk;
  const publicJwk: JWK = { kty, n, e, kid: key.kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, AuthorizationRequest & { expiresAt: number }>();

  return {
    issuer: options.issuer,
    jwks: (): JSONWebKeySet => ({ keys: [publicJwk] }),

    /** Stores the request and returns a single-use code valid for 60 s. */
    issueCode(request: AuthorizationRequest): string {
      const now = Date.now();
      for (const [code, pending] of codes) if (pending.expiresAt <= now) codes.delete(code);
      if (codes.size >= MAX_PENDING_CODES) throw new Error('too many pending authorization codes');
      const code = randomBytes(32).toString('base64url');
      codes.set(code, { ...request, expiresAt: now + CODE_TTL_MS });
      return code;
    },

    /** Spends a code: it must exist, be fresh, match the client and redirect, and the PKCE verifier. */
    redeemCode(code: string, presented: { clientId: string; redirectUri: string; codeVerifier: string }) {
      const pending = codes.get(code);
      codes.delete(code);
      if (!pending || pending.expiresAt <= Date.now()) return { ok: false as const, reason: 'unknown or expired code' };
      if (pending.clientId !== presented.clientId) return { ok: false as const, reason: 'client_id does not match' };
      if (pending.redirectUri !== presented.redirectUri) {
        return { ok: false as const, reason: 'redirect_uri does not match' };
      }
      const expected = Buffer.from(pending.codeChallenge);
      const actual = Buffer.from(s256(presented.codeVerifier));
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
        return { ok: false as const, reason: 'code_verifier does not match the code_challenge' };
      }
      return { ok: true as const, request: pending };
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

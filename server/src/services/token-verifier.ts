// Verifies bearer tokens the way a Clerk backend must: RS256 only, the issuer's JWKS, exact issuer,
// exp/nbf with 5 s of skew, authorized parties, session tokens that are active, user subjects only.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';

export type TokenFailure = 'token_expired' | 'token_invalid';

export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The issuer's keys could not be fetched: not the client's fault, so not a 401. */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
}

export interface VerifiedToken {
  subject: string;
  /** `session`: a Clerk session token (typ JWT). `oauth`: an OAuth access token (typ at+jwt). */
  kind: 'session' | 'oauth';
  /** azp of a session token, client_id of an OAuth access token. */
  party: string | null;
  email: string | null;
  expiresAt: Date;
}

export interface TokenVerifierOptions {
  issuer: string;
  keys: JWTVerifyGetKey;
  /** The azp / client_id values accepted; a token naming none of them (or no party) is refused. */
  authorizedParties: readonly string[];
}

export const CLOCK_SKEW_S = 5;

const TOKEN_TYPES: Record<string, VerifiedToken['kind']> = {
  jwt: 'session',
  'at+jwt': 'oauth',
  'application/at+jwt': 'oauth',
};

const invalid = (message: string) => new TokenError('token_invalid', message);

export function remoteKeySet(jwksUrl: string, cooldownMs: number): JWTVerifyGetKey {
  // jose refetches the JWKS when a token names a kid it does not hold (key rotation), at most once
  // per cooldown, and otherwise re-reads it every 10 minutes.
  return createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: cooldownMs,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5_000,
  });
}

export const localKeySet = (jwks: JSONWebKeySet): JWTVerifyGetKey => createLocalJWKSet(jwks);

function classify(error: unknown): Error {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError('token_expired', 'the token has expired');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new KeySetUnavailableError('the issuer key set could not be fetched');
  }
  if (error instanceof errors.JOSEError) return invalid(error.code.replace(/^ERR_/, '').toLowerCase());
  // fetch() of the JWKS failed (DNS, refused connection): jose rethrows the network error as-is.
  if (error instanceof TypeError) return new KeySetUnavailableError('the issuer key set could not be fetched');
  return invalid('token could not be verified');
}

function readClaims(payload: JWTPayload, kind: VerifiedToken['kind'], options: TokenVerifierOptions): VerifiedToken {
  const subject = payload.sub;
  // Clerk user ids start with user_; machine tokens (mch_), orgs and others are not users.
  if (typeof subject !== 'string' || !subject.startsWith('user_')) throw invalid('the token does not name a user');
  let party: string | null;
  if (kind === 'session') {
    if (typeof payload.sid !== 'string') throw invalid('not a session token');
    if (payload.sts === 'pending') throw invalid('the session is pending');
    party = typeof payload.azp === 'string' ? payload.azp : null;
  } else {
    if (typeof payload.client_id !== 'string') throw invalid('not an OAuth access token');
    party = payload.client_id;
  }
  if (party === null || !options.authorizedParties.includes(party)) {
    throw invalid('the token was issued to another party');
  }
  return {
    subject,
    kind,
    party,
    email: typeof payload.email === 'string' ? payload.email : null,
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}

export function createTokenVerifier(options: TokenVerifierOptions) {
  return async function verifyToken(token: string): Promise<VerifiedToken> {
    try {
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw invalid('malformed token header');
      }
      const kind = TOKEN_TYPES[String(header.typ ?? '').toLowerCase()];
      if (!kind) throw invalid('unsupported token type');
      const { payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp', 'sub'],
      });
      return readClaims(payload, kind, options);
    } catch (error) {
      throw classify(error);
    }
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;

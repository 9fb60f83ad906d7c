// Why a sign-in, refresh or discovery failed: a stable code for the program and a sentence for the trader.
export type AuthErrorCode =
  /** The server or the issuer could not be reached, or answered 5xx: worth retrying, the session is kept. */
  | 'offline'
  | 'not_configured'
  | 'discovery_failed'
  /** The issuer's metadata named another issuer than the one the server named (RFC 8414 §3.3). */
  | 'issuer_mismatch'
  | 'browser_failed'
  | 'access_denied'
  | 'state_mismatch'
  | 'timeout'
  | 'cancelled'
  | 'invalid_grant'
  /** The token endpoint answered a token that is not a Bearer token (RFC 6750): it cannot be used here. */
  | 'token_type_unsupported'
  | 'token_failed';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export const isAuthError = (error: unknown, code?: AuthErrorCode): error is AuthError =>
  error instanceof AuthError && (code === undefined || error.code === code);

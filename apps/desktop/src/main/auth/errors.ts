// Why a sign-in, refresh or discovery failed: a stable code for the program and a sentence for the trader.
export type AuthErrorCode =
  | 'offline'
  | 'not_configured'
  | 'discovery_failed'
  | 'browser_failed'
  | 'access_denied'
  | 'state_mismatch'
  | 'timeout'
  | 'cancelled'
  | 'invalid_grant'
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

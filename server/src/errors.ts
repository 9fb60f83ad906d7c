// Errors with a stable code that routes and plugins throw; the error handler turns them into the
// contract's JSON shape. Anything else becomes 500 `internal` with no detail.
import { ERROR_STATUS, type ErrorCode } from './contract/errors.js';

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = ERROR_STATUS[code];
  }
}

/** The server is shutting down (a deploy, a rolling restart): the client may ask again, soon, on another instance. */
export const restarting = (message = 'The server is restarting. Try again in a moment.') =>
  new AppError('unavailable', message, {}, { 'retry-after': '1' });

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

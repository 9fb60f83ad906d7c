// Error bodies: { error: { code, message, ...details } }, one stable code per failure kind.
import { Type, type Static } from 'typebox';

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  quota_exceeded: 402,
  forbidden: 403,
  not_found: 404,
  /** Checkout for a trader who already has a paid plan: change it in the Customer Portal. */
  already_subscribed: 409,
  payload_too_large: 413,
  rate_limited: 429,
  /** The trader already has as many answers streaming as the plan allows. */
  too_many_streams: 429,
  upstream_unconfigured: 503,
  /** Billing's variables (STRIPE_*) are unset on this server. */
  billing_unconfigured: 503,
  unavailable: 503,
  /** The server is near its memory limit: retry after Retry-After. */
  busy: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorBody = Type.Object({
  error: Type.Object(
    {
      code: Type.String(),
      message: Type.String(),
    },
    // Details such as `window`, `retryAfterMs` or the failing `field` ride along with the code.
    { additionalProperties: true },
  ),
});
export type ErrorBody = Static<typeof ErrorBody>;

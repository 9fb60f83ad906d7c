// The server's mode, one rule for its start line and GET /api/v1/status.
import type { StatusResponse } from '../contract/health.js';

/** Which parts run in-process: the embedded database (PGlite), the rate limiter, the local issuer. */
export interface InProcessParts {
  database: boolean;
  limiter: boolean;
  auth: boolean;
}

/** `embedded` when all three run in-process, `production` when none does, `mixed` otherwise. */
export function serverMode(inProcess: InProcessParts): StatusResponse['mode'] {
  const parts = [inProcess.database, inProcess.limiter, inProcess.auth];
  if (parts.every(Boolean)) return 'embedded';
  return parts.some(Boolean) ? 'mixed' : 'production';
}

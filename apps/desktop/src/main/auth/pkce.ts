// PKCE (RFC 7636, S256 only) and the OAuth `state`: unguessable values from the OS's random source.
import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  /** 43 characters of base64url: within RFC 7636's 43..128 unreserved characters. */
  verifier: string;
  challenge: string;
}

export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export const randomState = (): string => randomBytes(24).toString('base64url');

// The web host's PKCE values: S256 as RFC 7636 defines it, verifiers of the right alphabet and length.
import { describe, expect, it } from 'vitest';
import { randomUrlSafe, readJwtClaims, s256Challenge } from '../src/renderer/src/host/pkce';

describe('PKCE in the browser', () => {
  it('derives the S256 challenge of RFC 7636’s own example: base64url(SHA-256(verifier)), unpadded', async () => {
    // RFC 7636, appendix B.
    expect(await s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 43-character base64url verifiers, different every time', () => {
    const verifiers = new Set(Array.from({ length: 50 }, () => randomUrlSafe(32)));
    expect(verifiers.size).toBe(50);
    for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('reads the subject of an access token, and nothing from a malformed one', () => {
    // base64url of {"sub":"user_local","scope":"openid"}
    const payload = 'eyJzdWIiOiJ1c2VyX2xvY2FsIiwic2NvcGUiOiJvcGVuaWQifQ';
    expect(readJwtClaims(`header.${payload}.signature`)).toEqual({ sub: 'user_local', scope: 'openid' });
    expect(readJwtClaims('not-a-jwt')).toEqual({});
    expect(readJwtClaims('a.%%%.c')).toEqual({});
  });
});

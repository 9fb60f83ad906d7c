// Sign-in (GET /auth/config): where a client finds the issuer and which OAuth client it is.
import { Type, type Static } from 'typebox';

/** How a client signs in: the issuer to discover (RFC 8414) and the public OAuth client id to use. */
export const AuthConfigResponse = Type.Object(
  {
    mode: Type.Union([Type.Literal('local'), Type.Literal('clerk')]),
    issuer: Type.String(),
    /** null: sign-in is not configured on this server (AUTH_OAUTH_CLIENT_ID unset with Clerk). */
    clientId: Type.Union([Type.String(), Type.Null()]),
    scopes: Type.String(),
  },
  { additionalProperties: false },
);
export type AuthConfigResponse = Static<typeof AuthConfigResponse>;

// Liveness and dependency status.
import { Type, type Static, type TSchema } from 'typebox';

export const HealthResponse = Type.Object(
  {
    status: Type.Literal('ok'),
    version: Type.String(),
    uptimeS: Type.Number(),
  },
  { additionalProperties: false },
);
export type HealthResponse = Static<typeof HealthResponse>;

const dependencyFields = {
  ok: Type.Boolean(),
  latencyMs: Type.Union([Type.Number(), Type.Null()]),
  /** Why it is down, or what the operator should know about how it runs (the local issuer in production). */
  message: Type.Optional(Type.String()),
};

const Dependency = <Mode extends TSchema>(mode: Mode) =>
  Type.Object({ mode, ...dependencyFields }, { additionalProperties: false });

export const StatusResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('production'), Type.Literal('mixed')]),
    dependencies: Type.Object(
      {
        database: Dependency(Type.Union([Type.Literal('postgres'), Type.Literal('pglite')])),
        redis: Dependency(Type.Union([Type.Literal('redis'), Type.Literal('memory'), Type.Literal('memory-fallback')])),
        upstream: Type.Object(
          {
            mode: Type.Union([Type.Literal('anthropic'), Type.Literal('unconfigured')]),
            ...dependencyFields,
            /** COACH_MODEL, and where its price comes from: the model table, or COACH_PRICE_* (environment). */
            model: Type.String(),
            priceSource: Type.Union([Type.Literal('table'), Type.Literal('environment')]),
          },
          { additionalProperties: false },
        ),
        auth: Dependency(Type.Union([Type.Literal('clerk'), Type.Literal('local')])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type StatusResponse = Static<typeof StatusResponse>;

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

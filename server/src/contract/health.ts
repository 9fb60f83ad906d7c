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

/** Each dependency as /status reports it: how it runs (`mode`), whether it answers, and how fast. */
export const DatabaseStatus = Dependency(Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]));
export type DatabaseStatus = Static<typeof DatabaseStatus>;

export const RedisStatus = Dependency(
  Type.Union([Type.Literal('redis'), Type.Literal('memory'), Type.Literal('memory-fallback')]),
);
export type RedisStatus = Static<typeof RedisStatus>;

export const UpstreamStatus = Type.Object(
  {
    mode: Type.Union([Type.Literal('anthropic'), Type.Literal('unconfigured')]),
    ...dependencyFields,
    /** COACH_MODEL, and where its price comes from: the model table, or COACH_PRICE_* (environment). */
    model: Type.String(),
    priceSource: Type.Union([Type.Literal('table'), Type.Literal('environment')]),
  },
  { additionalProperties: false },
);
export type UpstreamStatus = Static<typeof UpstreamStatus>;

export const AuthStatus = Dependency(Type.Union([Type.Literal('clerk'), Type.Literal('local')]));
export type AuthStatus = Static<typeof AuthStatus>;

/** Stripe billing: `unconfigured` when its variables are unset (the billing routes answer 503). */
export const BillingStatus = Type.Object(
  {
    mode: Type.Union([Type.Literal('stripe'), Type.Literal('unconfigured')]),
    ...dependencyFields,
    /** `metered`: overage past a paid tier's quota is reported to Stripe's meter (STRIPE_METER_EVENT). */
    overage: Type.Union([Type.Literal('metered'), Type.Literal('off')]),
  },
  { additionalProperties: false },
);
export type BillingStatus = Static<typeof BillingStatus>;

export const StatusResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    /** Which instance answered (INSTANCE_ID; Railway's replica id; else host:pid): each reports its own. */
    instance: Type.String(),
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('production'), Type.Literal('mixed')]),
    dependencies: Type.Object(
      {
        database: DatabaseStatus,
        redis: RedisStatus,
        upstream: UpstreamStatus,
        auth: AuthStatus,
        billing: BillingStatus,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type StatusResponse = Static<typeof StatusResponse>;

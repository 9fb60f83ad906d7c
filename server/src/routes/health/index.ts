// GET /health (liveness, touches nothing) and GET /status (every dependency, its mode, health, latency).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isRetired, type CoachModel } from '../../config/coach-model.js';
import type { Config } from '../../config/env.js';
import { serverMode } from '../../config/server-mode.js';
import { SERVER_VERSION } from '../../config/version.js';
import { HealthResponse, StatusResponse, type DatabaseStatus } from '../../contract/health.js';
import type { UpstreamRefusal, UpstreamRefusals } from '../../services/upstream-refusals.js';

const startedAt = performance.now();

async function databaseStatus(query: () => Promise<unknown>, mode: DatabaseStatus['mode']): Promise<DatabaseStatus> {
  const started = performance.now();
  try {
    await query();
    return { mode, ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch {
    return { mode, ok: false, latencyMs: null, message: 'the database is unreachable' };
  }
}

function retiredMessage(coach: CoachModel, now: Date): string | null {
  if (!isRetired(coach.spec, now)) return null;
  return `${coach.id} was retired on ${coach.spec.retires ?? ''}: every question is refused until the server restarts with another COACH_MODEL`;
}

function refusedMessage(refusal: UpstreamRefusal | null): string | null {
  return refusal && `${refusal.message} (since ${refusal.since.toISOString()}; no call has been answered since)`;
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ config: Config; refusals: UpstreamRefusals }> = async (
  app,
  { config, refusals },
) => {
  app.get('/health', { schema: { response: { 200: HealthResponse } } }, async () => ({
    status: 'ok' as const,
    version: SERVER_VERSION,
    uptimeS: Math.round((performance.now() - startedAt) / 100) / 10,
  }));

  app.get('/status', { schema: { response: { 200: StatusResponse } } }, async () => {
    const [database, redis, auth] = await Promise.all([
      databaseStatus(() => app.db.query('SELECT 1'), app.db.driver),
      app.redisStatus(),
      app.authStatus(),
    ]);
    const { coach } = config.anthropic;
    const model = { model: coach.id, priceSource: coach.priceSource };
    // The model retired while the server ran (start-up refuses a retired one), or the API refused the model or the
    // key on this instance's last call: every question fails until an operator acts.
    const refused = retiredMessage(coach, new Date()) ?? refusedMessage(refusals.current());
    const upstream = config.anthropic.apiKey
      ? refused !== null
        ? { mode: 'anthropic' as const, ok: false, latencyMs: null, message: refused, ...model }
        : { mode: 'anthropic' as const, ok: true, latencyMs: null, ...model }
      : {
          mode: 'unconfigured' as const,
          ok: false,
          latencyMs: null,
          message:
            'no model: coaching answers from the local chart reader only; set ANTHROPIC_API_KEY to enable the coach',
          ...model,
        };
    const mode = serverMode({
      database: database.mode === 'pglite',
      limiter: redis.mode === 'memory',
      auth: auth.mode === 'local',
    });
    const dependencies = { database, redis, upstream, auth, billing: app.billingStatus() };
    const degraded = [database, redis, auth].some((dependency) => !dependency.ok) || refused !== null;
    return {
      status: degraded ? ('degraded' as const) : ('ok' as const),
      version: SERVER_VERSION,
      instance: config.instanceId,
      mode,
      dependencies,
    };
  });
};

// buildApp(config): registers the cross-cutting plugins, then the routes. Tests build it and call
// inject(); server.ts builds it and listens.
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from './config/env.js';
import { API_PREFIX } from './contract/index.js';
import type { Database } from './db/database.js';
import { authPlugin } from './plugins/auth.js';
import { billingPlugin } from './plugins/billing.js';
import { chartAnalysisPlugin } from './plugins/chart-analysis.js';
import { chartRetentionPlugin } from './plugins/chart-retention.js';
import { databasePlugin } from './plugins/database.js';
import { restarting } from './errors.js';
import { errorsPlugin } from './plugins/errors.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { redisPlugin } from './plugins/redis.js';
import { streamSlotsPlugin } from './plugins/stream-slots.js';
import { turnSettlementPlugin } from './plugins/turn-settlement.js';
import { authConfigRoutes } from './routes/auth/index.js';
import { billingRoutes } from './routes/billing/index.js';
import { chartRoutes } from './routes/charts/index.js';
import { chatRoutes } from './routes/chat/index.js';
import { conversationRoutes } from './routes/conversations/index.js';
import { healthRoutes } from './routes/health/index.js';
import { localAuthRoutes } from './routes/local-auth/index.js';
import { usageRoutes } from './routes/usage/index.js';
import { webRoutes } from './routes/web/index.js';
import { shutdownClock, type Shutdown } from './services/shutdown.js';
import { createUpstreamRefusals } from './services/upstream-refusals.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's shutdown: whether it has begun, and the time left for each step of a stopped turn. */
    shutdown: Shutdown;
  }
}

export interface AppDependencies {
  /** A database owned by the caller (tests); by default the app connects to the configured one. */
  database?: Database;
  logger?: FastifyServerOptions['logger'];
}

export const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/** A load balancer's (or client's) request id, when it looks like one: for the logs only. */
const clientRequestId = (request: IncomingMessage): string | undefined => {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : undefined;
};

export function loggerOptions(config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    // Tokens, cookies and keys never reach the log.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.apiKey', '*.token'],
      censor: '[redacted]',
    },
  };
}

/** A bare UUID, as PostgreSQL's uuid type and our ids write it (any case). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function buildApp(config: Config, dependencies: AppDependencies = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: dependencies.logger ?? loggerOptions(config),
    // Always our own id, so it is unique: it is stored with the turn's usage and names it in stream_start. A
    // client can send any id, the same one twice, or another trader's, so its id only rides along in the logs.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    // Our own 503 (below), in the contract's shape: Fastify's is a bare body the clients cannot read.
    return503OnClosing: false,
    // PGlite's first start plus migrations can take longer than Fastify's 10 s default on a busy machine.
    pluginTimeout: 60_000,
    forceCloseConnections: 'idle',
    // ajv-formats' uuid also takes a `urn:uuid:` prefix, which PostgreSQL's uuid refuses: such an id passed
    // validation and failed its query, a 500 with an error log that any client could cause. Ids are bare here.
    ajv: { onCreate: (ajv) => ajv.addFormat('uuid', UUID) },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const warning of config.warnings) app.log.warn(warning);

  // The shutdown's clock (services/shutdown.ts). Started by the first preClose hook, the root's: before any plugin's
  // or route's own (the chat's stops its streams), and in the same turn as Fastify stops routing.
  const shutdown = shutdownClock();
  app.decorate('shutdown', shutdown as Shutdown);
  app.addHook('preClose', async () => {
    shutdown.begin();
  });
  /**
   * Node closes the connections that are idle when the server closes, once. One busy then (a question being stored,
   * an upload) stayed open after its reply for as long as its client kept it (undici 4 s; Chromium 5 minutes, then
   * bounded by the server's keep-alive timeout, 72 s), and the shutdown waited for it, up to its 10 s cap. A reply
   * sent once the shutdown has begun says `Connection: close`, so Node ends its connection as soon as the reply has
   * gone out whole (the chat's event stream says it in its own head, sse-writer.ts).
   */
  app.addHook('onSend', async (_request, reply) => {
    if (shutdown.signal.aborted) void reply.header('connection', 'close');
  });

  // Set on arrival, so that it is also on replies that write their own headers (the chat's event stream).
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const incoming = clientRequestId(request.raw);
    if (incoming) request.log = request.log.child({ clientRequestId: incoming });
  });

  await app.register(errorsPlugin);
  await app.register(helmet);
  // CORS is closed unless CORS_ORIGINS names the origins that may call the API from a browser.
  await app.register(cors, { origin: config.corsOrigins.length > 0 ? config.corsOrigins : false });
  /**
   * A request that arrives once the shutdown has begun, on a connection already open (a proxy's kept-alive one, a
   * pipelined request), is refused 503 `unavailable` with Retry-After before any route's own work, with the
   * request id, security and CORS headers of any reply; Fastify adds `Connection: close`.
   */
  app.addHook('onRequest', (_request, _reply, done) => done(shutdown.signal.aborted ? restarting() : undefined));
  await app.register(databasePlugin, {
    config,
    ...(dependencies.database ? { database: dependencies.database } : {}),
  });
  await app.register(chartRetentionPlugin, { config });
  await app.register(turnSettlementPlugin, { config });
  await app.register(redisPlugin, { config });
  await app.register(authPlugin, { config });
  await app.register(billingPlugin, { config });
  await app.register(rateLimitPlugin, { config });
  await app.register(streamSlotsPlugin, { config });
  await app.register(chartAnalysisPlugin);

  if (app.localIssuer) await app.register(localAuthRoutes, { issuer: app.localIssuer });
  // What the model's API last said of this configuration: the chat's calls learn it, /status shows it.
  const refusals = createUpstreamRefusals();
  await app.register(
    async (api) => {
      await api.register(healthRoutes, { config, refusals });
      await api.register(authConfigRoutes, { config });
      await api.register(usageRoutes, { config });
      await api.register(conversationRoutes);
      await api.register(chatRoutes, { config, refusals });
      await api.register(chartRoutes, { queueWaitMs: config.uploadQueueWaitMs });
      await api.register(billingRoutes);
    },
    { prefix: API_PREFIX },
  );
  if (config.webDir) await app.register(webRoutes, { root: config.webDir, issuer: config.auth.issuer });
  return app;
}

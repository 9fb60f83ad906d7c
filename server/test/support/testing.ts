// `@strat-coach/server/testing`: the real server for the desktop app's tests and the e2e suite — embedded
// mode (PGlite in a temp DATA_DIR, local issuer, in-process limiter) or PostgreSQL, optionally with the
// fake Anthropic upstream and the built web renderer. Listens on a real loopback port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import { modelSpec } from '../../src/config/models.js';
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.js';
import { freePort } from './process.js';

export { startFakeAnthropic, type FakeAnthropic, type FakeScript } from './fake-anthropic.js';
export { startTestIssuer, type TestIssuer } from './issuer.js';
export { startFakeStripe, type FakeStripe } from './fake-stripe.js';
export { deliverEvent, stripeApi } from './billing-harness.js';
export { newCustomerId, stripeEvent, subscription } from './stripe-events.js';
export { freePort } from './process.js';
export { pngOfSize } from './png.js';

/** A model whose retirement day (2026-11-30) has passed: start-up refuses it, and the API answers it with a 404. */
export const RETIRED_MODEL = 'claude-sonnet-4-5';

/**
 * A config tweak: coaching on RETIRED_MODEL, as a server started before its retirement day is configured (the
 * model changes nothing else the server reads before it asks).
 */
export function coachOnRetiredModel(config: Config): void {
  const spec = modelSpec(RETIRED_MODEL);
  if (!spec) throw new Error(`${RETIRED_MODEL} is not in the model table`);
  config.anthropic.coach = { ...config.anthropic.coach, id: RETIRED_MODEL, spec };
}

export interface TestServerOptions {
  /** Environment on top of the embedded default (e.g. DATABASE_URL, AUTH_ISSUER). */
  env?: Record<string, string>;
  /** Start a fake Anthropic upstream and point the server at it. */
  fakeUpstream?: boolean;
  /** Serve this directory as the web renderer; null serves none. Default: none. */
  webDir?: string | null;
  tweak?: (config: Config) => void;
  /**
   * Listen on this port instead of a free one: a server put back where the client knows it (the local
   * issuer names itself by its address). With a fresh DATA_DIR, that is a reinstalled server.
   */
  port?: number;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  config: Config;
  fake: FakeAnthropic | null;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strat-coach-server-'));
  const fake = options.fakeUpstream ? await startFakeAnthropic() : null;
  // A fixed port before start: the local issuer names itself by its address.
  const port = options.port ?? (await freePort());
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'silent',
    ...(fake ? { ANTHROPIC_API_KEY: 'sk-ant-fake', ANTHROPIC_BASE_URL: fake.url } : {}),
    ...options.env,
  });
  config.webDir = options.webDir ? resolve(options.webDir) : null;
  options.tweak?.(config);
  const app = await buildApp(config);
  await app.listen({ host: config.host, port });
  return {
    url: `http://${config.host}:${port}`,
    app,
    config,
    fake,
    async close() {
      app.server.closeAllConnections();
      await app.close();
      await fake?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

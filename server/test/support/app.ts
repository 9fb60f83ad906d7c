// Builds the real app for a test: a real database, the loopback issuer (or the local one), no port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import type { Database } from '../../src/db/database.js';

export interface TestAppOptions {
  database: Database;
  /** Environment variables on top of an empty environment. */
  env?: Record<string, string>;
  tweak?: (config: Config) => void;
  /** A logger of the test's own (to read what the server logs); by default none. */
  logger?: FastifyServerOptions['logger'];
  /** Runs after buildApp and before ready(): register test-only routes here. */
  beforeReady?: (app: FastifyInstance) => void | Promise<void>;
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  close(): Promise<void>;
}

export async function buildTestApp(options: TestAppOptions): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strat-coach-test-'));
  let config: Config;
  try {
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  config.jwksCooldownMs = 0;
  options.tweak?.(config);
  const app = await buildApp(config, {
    database: options.database,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    config,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

// Entry point: config -> buildApp -> listen, one line naming the runtime mode, graceful shutdown
// (in-flight requests finish, pools close) on SIGINT/SIGTERM.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/env.js';

function describeMode(config: Config): string {
  const database = config.databaseUrl ? 'postgres' : `pglite (${config.dataDir})`;
  const limiter = config.redisUrl ? 'redis' : 'in-process';
  const auth = config.auth.mode === 'clerk' ? `clerk (${config.auth.issuer})` : 'local issuer';
  const upstream = config.anthropic.apiKey ? `anthropic (${config.anthropic.model})` : 'unconfigured';
  const embedded = !config.databaseUrl && !config.redisUrl && config.auth.mode === 'local';
  return `mode: ${embedded ? 'embedded' : 'production'} — database ${database}, limiter ${limiter}, auth ${auth}, upstream ${upstream}`;
}

// Everything the server writes (the embedded database, the issuer's key, DATA_DIR itself) is its owner's.
process.umask(0o077);

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`strat-coach: ${error.message}`);
  process.exit(1);
}

const app = await buildApp(config);
app.log.info(describeMode(config));

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
  app.log.info('stopped: in-flight requests finished, connections closed');
});

await app.listen({ host: config.host, port: config.port });

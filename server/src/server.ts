// Entry point: Node check -> config -> buildApp -> listen, one line naming the runtime mode, graceful shutdown
// (in-flight requests finish, pools close) on SIGINT/SIGTERM.
// First, for its effect: an older Node stops here, in one line.
import './config/require-node.js';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/env.js';
import { serverMode } from './config/server-mode.js';
import { checkDataDir } from './db/data-dir.js';
import { describeDatabase } from './db/describe.js';
import { SHUTDOWN_CAP_MS } from './services/shutdown.js';

/** The start line: the mode as /api/v1/status names it, then how each part runs. */
function describeMode(config: Config): string {
  const mode = serverMode({
    database: !config.databaseUrl,
    limiter: !config.redisUrl,
    auth: config.auth.mode === 'local',
  });
  const limiter = config.redisUrl ? 'redis' : 'in-process';
  const auth = config.auth.mode === 'clerk' ? `clerk (${config.auth.issuer})` : 'local issuer';
  const upstream = config.anthropic.apiKey ? `anthropic (${config.anthropic.model})` : 'unconfigured';
  return `mode: ${mode} — instance ${config.instanceId}, database ${describeDatabase(config)}, limiter ${limiter}, auth ${auth}, upstream ${upstream}`;
}

// Everything the server writes (the embedded database, the issuer's key, DATA_DIR itself) is its owner's.
process.umask(0o077);

let config: Config;
try {
  config = loadConfig();
  await checkDataDir(config.dataDir);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`strat-coach: ${error.message}`);
  process.exit(1);
}

const app = await buildApp(config);
app.log.info(describeMode(config));

const closer = closeWithGrace({ delay: SHUTDOWN_CAP_MS, skip: ['SIGINT', 'SIGTERM'] }, async ({ err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  await app.close();
  app.log.info('stopped: in-flight requests finished, connections closed');
});

/**
 * Stop signals by hand, not close-with-grace's: it exits at once on any second signal, and `npm start` delivers
 * one stop twice — a Ctrl+C or a supervisor's SIGTERM reaches the whole process group, and the launcher passes
 * it on too — which cut the answers the first signal meant to finish. A second signal soon after the first is
 * that same stop; a later one (Ctrl+C pressed again) still exits at once.
 */
const SAME_STOP_MS = 1_000;
let stopSignalAt: number | null = null;
const onStopSignal = (signal: NodeJS.Signals): void => {
  if (stopSignalAt === null) {
    stopSignalAt = performance.now();
    app.log.info({ signal }, 'shutting down');
    void closer.close();
  } else if (performance.now() - stopSignalAt > SAME_STOP_MS) {
    app.log.error({ signal }, 'a second stop signal: exiting now');
    process.exit(1);
  }
};
process.on('SIGINT', onStopSignal);
process.on('SIGTERM', onStopSignal);

/**
 * Connections the kernel may hold for us while the event loop is busy. Node's default (511) overflowed under a burst
 * of 2,000 questions: the kernel dropped handshakes and the clients saw ECONNRESET. Capped by net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4_096;

await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });

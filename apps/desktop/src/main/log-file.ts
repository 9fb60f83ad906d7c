// The log a trader can send with a bug report: `logs/main.log` in the user-data folder, rotated at 1 MB
// (the previous one kept as main.old.log), written by electron-log; each line also on stderr as before.
// Anything shaped like a token is blanked before it is written, and the last problems are kept for
// "Copy diagnostics".
import type { NodeLogger } from 'electron-log';
import { join } from 'node:path';
import { consoleLogger, type LogFields, type Logger } from './log';

export const LOG_DIR = 'logs';
export const LOG_FILE = 'main.log';
export const MAX_LOG_BYTES = 1024 * 1024;
const KEPT_PROBLEMS = 20;
const REDACTED = '[redacted]';

// Token shapes that can reach a log line through an error message or a URL. Hand-written: the log
// libraries redact by field path, and these arrive inside free text.
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // JWTs (access and ID tokens): three base64url parts, the first a JSON header.
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, REDACTED],
  [/\b(Bearer|Basic)\s+[\w~+/.=-]+/gi, `$1 ${REDACTED}`],
  // OAuth parameters in URLs and forms.
  [
    /\b(access_token|refresh_token|id_token|code_verifier|code|token|client_secret|state)=([^&\s"']+)/gi,
    `$1=${REDACTED}`,
  ],
  // The same in JSON bodies.
  [/"(access_token|refresh_token|id_token|token|code)"\s*:\s*"[^"]*"/gi, `"$1":"${REDACTED}"`],
  // API keys: Anthropic, Clerk.
  [/\bsk-ant-[\w-]+/g, REDACTED],
  [/\b(sk|pk)_(live|test)_\w+/g, REDACTED],
];
const SECRET_FIELD = /token|secret|password|authorization|verifier|cookie/i;

/** `text` with every token-shaped part replaced by [redacted]. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

function redactFields(fields: LogFields): LogFields {
  const clean: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    clean[key] = SECRET_FIELD.test(key) ? REDACTED : typeof value === 'string' ? redactSecrets(value) : value;
  }
  return clean;
}

export interface AppLog extends Logger {
  /** The folder "Open logs folder" opens. */
  readonly dir: string;
  readonly file: string;
  /** The last warnings and errors, newest last, already redacted: for "Copy diagnostics". */
  recentProblems(): readonly string[];
}

export function createAppLog(options: {
  /** An electron-log instance: electron-log/main in the app, electron-log/node in tests. */
  logger: NodeLogger;
  userData: string;
  maxBytes?: number;
  /** Where each line is echoed (stderr as JSON); none: the file only. */
  echo?: Logger | null;
}): AppLog {
  const { logger, userData } = options;
  const echo = options.echo === undefined ? consoleLogger : options.echo;
  const dir = join(userData, LOG_DIR);
  const file = join(dir, LOG_FILE);
  const fileTransport = logger.transports.file;
  // Otherwise electron-log looks for a package.json to name the app, and throws on every line without one.
  fileTransport.setAppName('Strat Coach');
  fileTransport.resolvePathFn = () => file;
  fileTransport.maxSize = options.maxBytes ?? MAX_LOG_BYTES;
  // stderr gets our JSON lines instead; nothing is sent to the windows or over the network.
  for (const name of ['console', 'ipc', 'remote']) {
    const transport = logger.transports[name];
    if (transport) transport.level = false;
  }
  const problems: string[] = [];

  const write =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, fields: LogFields = {}) => {
      const clean = redactFields(fields);
      const text = redactSecrets(message);
      const line = Object.keys(clean).length > 0 ? `${text} ${JSON.stringify(clean)}` : text;
      logger[level](line);
      echo?.[level](text, clean);
      if (level !== 'info') {
        problems.push(`${new Date().toISOString()} ${level} ${line}`);
        if (problems.length > KEPT_PROBLEMS) problems.shift();
      }
    };

  return {
    dir,
    file,
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    recentProblems: () => [...problems],
  };
}

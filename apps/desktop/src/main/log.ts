// Structured logs of the main process: one JSON line per entry on stderr. Callers pass fields, never
// payloads, tokens or codes: this is what ends up in bug reports.
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const write =
  (level: 'info' | 'warn' | 'error') =>
  (message: string, fields: LogFields = {}): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
  };

export const consoleLogger: Logger = { info: write('info'), warn: write('warn'), error: write('error') };

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A short description of an unknown error for a log line: its name and message, never its payload. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

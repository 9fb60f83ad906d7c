// The one error a bad environment raises: its message names the variable, and server.ts prints it alone.
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

// Which coach server the desktop app talks to. Installed: `server.json` in the user-data folder, else the
// production URL the build was made with; the environment variable only in development. Always https,
// except a loopback server on this machine; and a session never outlives a change of server.
import { join } from 'node:path';
import type { SecretStore } from './auth/secret-store';
import type { Logger } from './log';
import { createJsonFile, type JsonFile, type SettingsFs } from './settings-file';

/** In userData: `{ "serverUrl": "https://coach.example.com" }`, written by hand or by an installer. */
export const SERVER_FILE = 'server.json';
/** In userData: the server the saved session was signed in to. */
export const SESSION_SERVER_FILE = 'session-server.json';
/** Honoured in development only (`npm start`, the e2e suite): a packaged app ignores its environment. */
export const SERVER_URL_VARIABLE = 'STRAT_COACH_SERVER_URL';

export type ServerUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** 127.0.0.0/8, ::1 and localhost: a server on this machine, the only place plain http may go. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The URL as the app uses it (no trailing slash), or why it is refused. */
export function checkServerUrl(text: string): ServerUrlCheck {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: `"${text}" is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `${url.protocol} is not a server address: use https://` };
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return { ok: false, reason: `plain http to ${url.hostname} is refused: use https:// (http only for this machine)` };
  }
  if (url.username || url.password) return { ok: false, reason: 'a server URL must not carry a user name or password' };
  if (url.search || url.hash) return { ok: false, reason: 'a server URL has no query or fragment' };
  return { ok: true, url: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}

export interface ServerUrlChoice {
  url: string;
  source: 'environment' | 'file' | 'build';
  /** Why a configured URL was passed over for the build's, to log and show in diagnostics. */
  refused: string | null;
}

export function chooseServerUrl(options: {
  packaged: boolean;
  /** The environment variable's value. */
  environment: string | undefined;
  /** `server.json`'s serverUrl, when the file has one. */
  file: string | null;
  /** The production URL the build was made with. */
  buildUrl: string;
}): ServerUrlChoice {
  const { packaged, environment, file, buildUrl } = options;
  const configured: { text: string; source: 'environment' | 'file' } | null =
    !packaged && environment
      ? { text: environment, source: 'environment' }
      : file
        ? { text: file, source: 'file' }
        : null;
  const fallback = checkServerUrl(buildUrl);
  if (!fallback.ok) throw new Error(`the build's server URL is refused: ${fallback.reason}`);
  if (!configured) return { url: fallback.url, source: 'build', refused: null };
  const checked = checkServerUrl(configured.text);
  if (checked.ok) return { url: checked.url, source: configured.source, refused: null };
  const where = configured.source === 'file' ? SERVER_FILE : SERVER_URL_VARIABLE;
  return { url: fallback.url, source: 'build', refused: `${where}: ${checked.reason}` };
}

/** `server.json` read leniently: anything but a string `serverUrl` is "not configured". */
export const parseServerFile = (json: unknown): { value: string | null; notice: string | null } => {
  const serverUrl = (json as { serverUrl?: unknown } | undefined)?.serverUrl;
  return typeof serverUrl === 'string' && serverUrl.trim() !== ''
    ? { value: serverUrl, notice: null }
    : { value: null, notice: json === undefined ? null : `${SERVER_FILE} has no "serverUrl"` };
};

/**
 * A saved session belongs to the server it was signed in to: when the app now talks to another one, the
 * refresh token is dropped (the trader signs in again) instead of being sent to the new server.
 * Returns true when it signed out.
 */
export async function forgetSessionOfOtherServer(options: {
  serverUrl: string;
  /** The server the saved session belongs to (`SESSION_SERVER_FILE`). */
  sessionServer: JsonFile<string | null>;
  store: SecretStore;
  log: Logger;
}): Promise<boolean> {
  const { serverUrl, sessionServer, store, log } = options;
  const { value: previous } = await sessionServer.read();
  const changed = previous !== null && previous !== serverUrl;
  if (changed) {
    await store.clear();
    log.warn('server changed: signed out', { from: previous, to: serverUrl });
  }
  if (previous !== serverUrl) await sessionServer.write(serverUrl);
  return changed;
}

/** At start: the server to talk to, read from userData and the environment; a session of another server dropped. */
export async function resolveServerUrl(options: {
  dir: string;
  fs: SettingsFs;
  packaged: boolean;
  environment: string | undefined;
  buildUrl: string;
  store: SecretStore;
  log: Logger;
}): Promise<ServerUrlChoice & { signedOut: boolean }> {
  const { dir, fs, log } = options;
  const urlFile = (name: string) =>
    createJsonFile<string | null>({
      file: join(dir, name),
      fs,
      parse: parseServerFile,
      serialize: (serverUrl) => ({ serverUrl }),
    });
  const configured = await urlFile(SERVER_FILE)
    .read()
    .catch((error: unknown) => ({ value: null, notice: `${SERVER_FILE} unreadable: ${String(error)}` }));
  if (configured.notice) log.warn('server file ignored', { reason: configured.notice });
  const choice = chooseServerUrl({ ...options, file: configured.value });
  if (choice.refused) log.warn('server URL refused', { reason: choice.refused, using: choice.url });
  const signedOut = await forgetSessionOfOtherServer({
    serverUrl: choice.url,
    sessionServer: urlFile(SESSION_SERVER_FILE),
    store: options.store,
    log,
  });
  return { ...choice, signedOut };
}

/** What the window says at start when the server is not the one configured, or changed and signed out. */
export function serverNotice(choice: ServerUrlChoice & { signedOut: boolean }): string | null {
  if (choice.refused) return `Strat Coach is using ${choice.url}, not the address configured (${choice.refused}).`;
  if (choice.signedOut) return `Strat Coach now uses ${choice.url}, so you were signed out: sign in again.`;
  return null;
}

// Which URLs are the app: the renderer is served from app://strat-coach (production) or the electron-vite
// dev server (ELECTRON_RENDERER_URL). Navigation, IPC senders and permissions are judged by this policy.
export const APP_SCHEME = 'app';
export const APP_HOST = 'strat-coach';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The one permission the app's pages get: writing text to the clipboard. Capture happens in main and a pasted
 * chart needs none, so every other request (camera, screen, notifications, clipboard reads…) is denied.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

// Custom schemes have an opaque `origin` in WHATWG URL, so compare scheme and host instead.
const originOf = (value: string): string | null => {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}`;
  } catch {
    return null;
  }
};

export interface AppUrlPolicy {
  /** What the coach window loads. */
  entryUrl: string;
  isAppUrl: (url: string) => boolean;
  isPermissionAllowed: (permission: string, requestingUrl: string) => boolean;
}

export function createAppUrlPolicy(devServerUrl?: string | null): AppUrlPolicy {
  // An empty ELECTRON_RENDERER_URL means none, not "load an empty URL".
  const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
  const isAppUrl = (url: string) => {
    const origin = originOf(url);
    return origin !== null && (origin === APP_ORIGIN || origin === devOrigin);
  };
  return {
    entryUrl: devServerUrl && devOrigin ? devServerUrl : `${APP_ORIGIN}/index.html`,
    isAppUrl,
    isPermissionAllowed: (permission, requestingUrl) => ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl),
  };
}

/** The link to hand to the OS browser, or null: only http(s), never file:, javascript: or custom schemes. */
export function externalLink(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}

/** A URL reduced to what a log may show: scheme and host, never a path or query (codes, tokens). */
export const loggableOrigin = (url: string | null | undefined): string => (url ? (originOf(url) ?? 'invalid') : 'none');

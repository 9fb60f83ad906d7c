// What a host gives the shared session (session.ts): where the refresh token is kept, how the trader
// reaches the issuer and comes back, and where the session's few log lines go.
export type StoreResult = { stored: true } | { stored: false; reason: string };

/** Where the refresh token survives a restart (Electron: encrypted file; web: the tab's sessionStorage). */
export interface SessionStore {
  load(): Promise<string | null>;
  /** Keeps the secret for the next start, or says why it cannot (then it lives in memory only). */
  save(secret: string): Promise<StoreResult>;
  clear(): Promise<void>;
}

/** A sign-in the browser is on: what finishing it needs once the issuer sends the browser back. */
export interface PendingSignIn {
  state: string;
  verifier: string;
  redirectUri: string;
}

export interface AuthorizeRequest {
  state: string;
  verifier: string;
  /** The issuer's authorize URL, once the browser says where it will receive the redirect. */
  urlFor(redirectUri: string): string;
  signal: AbortSignal;
}

/**
 * How the trader reaches the issuer and comes back. Electron: the system browser and a loopback listener,
 * in this process. Web: this very page leaves for the issuer and comes back fresh.
 */
export interface SignInBrowser {
  /** The redirect's query and the request it answers; 'left' when this page navigated away to the issuer. */
  authorize(request: AuthorizeRequest): Promise<{ params: URLSearchParams; pending: PendingSignIn } | 'left'>;
  /** A redirect this page was loaded with, and the sign-in it finishes (web; null elsewhere). */
  returned?(): { params: URLSearchParams; pending: PendingSignIn | null } | null;
}

/** Fields only, never a token or a code: main writes them to its log, the web host to nowhere. */
type LogFields = Record<string, string | number | boolean | null | undefined>;
export interface SessionLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

// The one API the renderer uses to reach the outside world: `window.coach` in Electron (preload, over IPC
// to the main process) and the web host in a plain browser. The renderer never sees a token, an API key
// or a path on disk: the host holds the session and makes every authenticated call.
import type {
  ChatStreamRequest,
  CoachEvent,
  ConversationsResponse,
  MessagesResponse,
  StatusResponse,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';

export type SessionState =
  | { status: 'signed_out'; reason?: string }
  | { status: 'signing_in' }
  /**
   * expiresAt: when the access token expires (epoch ms); the host refreshes it before then. reason: why the
   * session will not survive a restart (Electron: no OS keychain, so nothing is written to disk).
   */
  | { status: 'signed_in'; subject: string; expiresAt: number; reason?: string };

/** A failure of a host call, in the contract's words (`rate_limited`, `quota_exceeded`, `offline`, …). */
export interface HostError {
  code: string;
  message: string;
  status: number | null;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

export type HostResult<T> = { ok: true; value: T } | { ok: false; error: HostError };

/** A chart the trader captured, pasted or dropped: encoded, ready to send. */
export interface ChartImage {
  mediaType: 'image/png' | 'image/jpeg' | 'image/webp';
  /** Base64 without a data: prefix. */
  data: string;
  width: number;
  height: number;
}

/** A frozen frame of a display or window, before the trader crops it. */
export interface CapturedFrame {
  /** A data: URL (PNG) of the full frame, at device pixels. */
  dataUrl: string;
  width: number;
  height: number;
  /** Device pixels per CSS pixel of the captured display (1, 1.25, 1.5, 2 …). */
  scaleFactor: number;
  source: string;
}

export interface CoachAnswerHandle {
  /** Stops the answer: the server cancels the upstream call and keeps what was delivered. */
  cancel(): void;
  /** Resolves when the stream has ended, whichever way. */
  done: Promise<void>;
}

export interface CoachHostApi {
  readonly kind: 'electron' | 'web';
  session: {
    get(): Promise<SessionState>;
    signIn(): Promise<SessionState>;
    signOut(): Promise<void>;
    onChange(listener: (state: SessionState) => void): () => void;
  };
  api: {
    status(): Promise<HostResult<StatusResponse>>;
    usage(): Promise<HostResult<UsageCurrentResponse>>;
    conversations(cursor?: string): Promise<HostResult<ConversationsResponse>>;
    messages(conversationId: string): Promise<HostResult<MessagesResponse>>;
  };
  coach: {
    /**
     * Asks the coach. Events arrive in order through `onEvent`; a request refused before the stream
     * (400, 402, 429, 503, offline …) arrives as `onError`. Exactly one of stream_complete, stream_error
     * or onError ends every call.
     */
    ask(
      request: ChatStreamRequest,
      handlers: { onEvent(event: CoachEvent): void; onError(error: HostError): void },
    ): CoachAnswerHandle;
  };
  capture: {
    /** Freezes the screen (Electron: the display under the cursor or a chosen window; web: getDisplayMedia). */
    screen(): Promise<HostResult<CapturedFrame>>;
  };
  app: {
    /** The tray's quick question (Electron) asks the renderer to capture and focus the question box. */
    onQuickQuestion(listener: () => void): () => void;
  };
}

declare global {
  interface Window {
    /** Present in Electron (set by the preload); the web host is used when it is absent. */
    coach?: CoachHostApi;
  }
}

// The one API the renderer uses to reach the outside world: `window.coach` in Electron (preload, over IPC
// to the main process) and the web host in a plain browser. The renderer never sees a token, an API key
// or a path on disk: the host holds the session and makes every authenticated call.
import type {
  ChartAnalysisImage,
  ChatImage,
  ChatStreamRequest,
  CoachEvent,
  ConversationsResponse,
  ConversationSummary,
  ImageMediaType,
  MessagesResponse,
  PaidTier,
  StatusResponse,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';
import type { Rect, Size } from './capture-geometry';
import type { PinnedRegion } from './pinned-regions';
import type { Preset } from './presets';
import type { PinnedSource } from './region-geometry';
import type { ShortcutAction, ShortcutStatus } from './shortcut-settings';
import type { ThemeChoice } from './theme';

/** A downloaded update the desktop app offers ("Restart to update"); the web version never has one. */
export interface UpdateOffer {
  version: string;
  /** The trader asked to restart while an answer streams: it restarts when the answer ends. */
  waitingForAnswer: boolean;
}

export type SessionState =
  | { status: 'signed_out'; reason?: string }
  | { status: 'signing_in' }
  /** A saved session the issuer cannot be reached to renew: kept, and renewed by itself when it can be. */
  | { status: 'offline'; reason: string }
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
  mediaType: ImageMediaType;
  /** Base64 without a data: prefix. */
  data: string;
  width: number;
  height: number;
}

/** A chart the server keeps with a question (GET /conversations/:id/messages/:messageId/charts/:n). */
export interface StoredChart {
  mediaType: string;
  bytes: Uint8Array;
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

/** Where a chart was cut from: enough to pin the region and capture it again. */
export interface ChartRegion {
  source: PinnedSource;
  /** The region in device pixels of the source's frame. */
  rect: Rect;
  /** The whole frame's size when the region was drawn (a later frame of another size is scaled to it). */
  sourceSize: Size;
  /** For the trader: "Display 2", "TradingView — SPY". */
  sourceName: string;
}

/** A chart ready to send, and where it came from (null for a pasted or dropped image). */
export interface CapturedChart {
  image: ChartImage;
  region: ChartRegion | null;
}

/** A display or a window to capture, with a thumbnail for the picker. */
export interface CaptureSourceInfo {
  id: string;
  kind: 'display' | 'window';
  name: string;
  /** A data: URL of a small thumbnail. */
  thumbnail: string;
  /** The coach window is on this display: never the default. */
  hasCoach: boolean;
  /** What Capture uses without asking: the last source used, else the first display without the coach. */
  isDefault: boolean;
}

/** Saved settings, and a sentence for the trader when they could not be read and were reset. */
export interface Loaded<T> {
  value: T;
  notice: string | null;
}

export interface CoachAnswerHandle {
  /** Stops the answer: the server cancels the upstream call and keeps what was delivered. */
  cancel(): void;
  /** Resolves when the stream has ended, whichever way. */
  done: Promise<void>;
}

/** A Stripe page the trader opens in the system browser: Checkout for a paid plan, or the Customer Portal. */
export type BillingPage = { kind: 'checkout'; tier: PaidTier } | { kind: 'portal' };

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
    /**
     * A page of the trader's conversations, most recently active first; `cursor` is a page's nextCursor. With
     * `q`, only those whose title or messages hold the words (the server's search; `snippet` on text hits).
     */
    conversations(cursor?: string, q?: string): Promise<HostResult<ConversationsResponse>>;
    /** Renames a conversation (the server trims it to one line, 1–120 characters) and answers it as stored. */
    renameConversation(id: string, title: string): Promise<HostResult<ConversationSummary>>;
    /** Deletes a conversation with its messages and stored charts (its usage stays, for billing). */
    deleteConversation(id: string): Promise<HostResult<void>>;
    /** A page of the conversation: the newest messages, or with `cursor` (a page's nextCursor) the ones before. */
    messages(conversationId: string, cursor?: string): Promise<HostResult<MessagesResponse>>;
    /** A question's stored chart, `n` its place in the message's images (0-based): its bytes, to show in the thread. */
    chart(conversationId: string, messageId: string, n: number): Promise<HostResult<StoredChart>>;
    /**
     * The local chart reader's reading of one chart (POST /charts/read: the bars' numbers for the preview; no
     * tokens spent). Optional: a host that cannot reach it leaves it out, and the preview shows the chart
     * without its numbers.
     */
    readChart?(image: ChatImage): Promise<HostResult<ChartAnalysisImage>>;
    /**
     * Opens Stripe's Checkout (Upgrade) or Customer Portal (Manage plan) in the system browser (the web version: a
     * new tab). Optional: a host without it offers neither.
     */
    openBilling?(page: BillingPage): Promise<HostResult<void>>;
    /**
     * The usage the host read after each answer (however it ended, once its stream is over), on sign-in and
     * every few minutes: the window's meter follows it instead of reading the usage itself.
     */
    onUsage(listener: (usage: UsageCurrentResponse) => void): () => void;
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
    /** Displays and windows to capture, with thumbnails. The web version has the browser's picker: []. */
    sources(): Promise<HostResult<CaptureSourceInfo[]>>;
    /**
     * Freezes a source (without an id: the default one) and lets the trader crop it on that source's own
     * screen; resolves with the chart and its region. Closing the crop is the error `capture_cancelled`.
     */
    chart(sourceId?: string): Promise<HostResult<CapturedChart>>;
    /** The same region of a pinned source, frozen again without asking; never another display or window. */
    region(region: PinnedRegion): Promise<HostResult<CapturedChart>>;
    /** The whole display under the cursor, uncropped (a quick question with nothing pinned). */
    underCursor(): Promise<HostResult<CapturedChart>>;
  };
  /** The trader's settings, kept by the host (a file in Electron's user-data folder, localStorage on the web). */
  settings: {
    pinnedRegions(): Promise<Loaded<PinnedRegion[]>>;
    /** The whole list (at most 8), checked again by the host. */
    savePinnedRegions(regions: PinnedRegion[]): Promise<HostResult<PinnedRegion[]>>;
    presets(): Promise<Loaded<Preset[]>>;
    savePresets(presets: Preset[]): Promise<HostResult<Preset[]>>;
    /** Global shortcuts and how each stands; null where there are none (the web version). */
    shortcuts(): Promise<ShortcutStatus | null>;
    saveShortcuts(bindings: Record<ShortcutAction, string>): Promise<ShortcutStatus | null>;
    /** The colour theme: System (the default) follows the operating system. */
    theme(): Promise<ThemeChoice>;
    /** Keeps the theme; in Electron main also applies it (nativeTheme), which the window's CSS follows. */
    saveTheme(theme: ThemeChoice): Promise<HostResult<ThemeChoice>>;
  };
  app: {
    /** The tray or the shortcut asks a quick question: a preset's id, or null for an open question. */
    onQuickQuestion(listener: (presetId: string | null) => void): () => void;
    /** The tray or the shortcut recaptures the pinned regions into the question box. */
    onRecapturePinned(listener: () => void): () => void;
    /** The downloaded update waiting for a restart: now, and on every change (never on the web). */
    updateOffer(): Promise<UpdateOffer | null>;
    onUpdate(listener: (offer: UpdateOffer | null) => void): () => void;
    restartToUpdate(): Promise<void>;
    /** What the app did by itself that the trader should know (the window reloaded after a crash). */
    onNotice(listener: (message: string) => void): () => void;
  };
}

/** What the crop overlay window is given to show. */
export interface CropFrame {
  /** A data: URL (PNG) of the frozen source, in device pixels. */
  dataUrl: string;
  width: number;
  height: number;
  /** Device pixels per CSS pixel of the display the overlay covers: the frame is shown 1:1 with the screen. */
  scaleFactor: number;
  /** "Display 2", a window's title: said in the overlay's toolbar. */
  sourceName: string;
}

/** `window.coachCrop`: what the crop overlay window (Electron only) may do. */
export interface CropHostApi {
  frame(): Promise<CropFrame>;
  /** The trader confirmed: the encoded chart and the region in the frame's pixels. */
  done(result: { image: ChartImage; rect: Rect }): Promise<void>;
  cancel(): Promise<void>;
}

declare global {
  interface Window {
    /** Present in Electron (set by the preload); the web host is used when it is absent. */
    coach?: CoachHostApi;
    /** Present only in Electron's crop overlay window. */
    coachCrop?: CropHostApi;
  }
}

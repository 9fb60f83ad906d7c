// The IPC contract between the preload (window.coach) and the main process: every channel that exists,
// with its arguments and results. Pure: main's IPC wrapper refuses any channel not listed here.
import type {
  ChartAnalysisImage,
  ChatImage,
  ChatStreamRequest,
  CoachEvent,
  ConversationsResponse,
  ConversationSummary,
  MessagesResponse,
  StatusResponse,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';
import type { Rect } from './capture-geometry';
import type {
  BillingPage,
  CapturedChart,
  CaptureSourceInfo,
  ChartImage,
  CropFrame,
  HostError,
  HostResult,
  Loaded,
  SessionState,
  StoredChart,
  UpdateOffer,
} from './host-api';
import type { PinnedRegion } from './pinned-regions';
import type { Preset } from './presets';
import type { ShortcutAction, ShortcutStatus } from './shortcut-settings';
import type { ThemeChoice } from './theme';

/** Renderer → main requests (ipcRenderer.invoke / ipcMain.handle). */
export const INVOKE_CHANNELS = [
  'session:get',
  'session:sign-in',
  'session:sign-out',
  'api:status',
  'api:usage',
  'api:conversations',
  'api:rename-conversation',
  'api:delete-conversation',
  'api:messages',
  'api:chart',
  'api:read-chart',
  'api:open-billing',
  'coach:ask',
  'coach:cancel',
  'capture:sources',
  'capture:chart',
  'capture:region',
  'capture:under-cursor',
  'settings:pinned-regions',
  'settings:save-pinned-regions',
  'settings:presets',
  'settings:save-presets',
  'settings:shortcuts',
  'settings:save-shortcuts',
  'settings:theme',
  'settings:save-theme',
  'app:update-offer',
  'app:restart-to-update',
  // The crop window's own channels: only its main frame may call them (and it may call nothing else).
  'crop:frame',
  'crop:done',
  'crop:cancel',
] as const;
export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];

/** The channels the crop overlay window may call; every other channel belongs to the coach window. */
export const CROP_CHANNELS = ['crop:frame', 'crop:done', 'crop:cancel'] as const satisfies readonly InvokeChannel[];
export type CropChannel = (typeof CROP_CHANNELS)[number];
const cropChannels: ReadonlySet<string> = new Set(CROP_CHANNELS);
export const isCropChannel = (channel: InvokeChannel): channel is CropChannel => cropChannels.has(channel);

/** Main → renderer messages (webContents.send / ipcRenderer.on). */
export const PUSH_CHANNELS = [
  'session:changed',
  'coach:stream',
  'usage:changed',
  'app:quick-question',
  'app:recapture-pinned',
  'app:update',
  'app:notice',
] as const;
export type PushChannel = (typeof PUSH_CHANNELS)[number];

/** One message of a coaching answer, tagged with the stream id the preload chose for that `ask`. */
export type CoachStreamMessage =
  | { streamId: string; kind: 'event'; event: CoachEvent }
  | { streamId: string; kind: 'error'; error: HostError }
  /** The last message of every stream, whichever way it ended (also after a cancel). */
  | { streamId: string; kind: 'end' };

export interface InvokeContract {
  'session:get': { args: []; result: SessionState };
  'session:sign-in': { args: []; result: SessionState };
  'session:sign-out': { args: []; result: void };
  'api:status': { args: []; result: HostResult<StatusResponse> };
  'api:usage': { args: []; result: HostResult<UsageCurrentResponse> };
  'api:conversations': { args: [cursor?: string, q?: string]; result: HostResult<ConversationsResponse> };
  'api:rename-conversation': { args: [id: string, title: string]; result: HostResult<ConversationSummary> };
  'api:delete-conversation': { args: [id: string]; result: HostResult<void> };
  'api:messages': { args: [conversationId: string, cursor?: string]; result: HostResult<MessagesResponse> };
  'api:chart': { args: [conversationId: string, messageId: string, n: number]; result: HostResult<StoredChart> };
  /** The local chart reader's reading of one chart (POST /charts/read), for the preview's bar numbers. */
  'api:read-chart': { args: [image: ChatImage]; result: HostResult<ChartAnalysisImage> };
  'api:open-billing': { args: [page: BillingPage]; result: HostResult<void> };
  /** Resolves once the stream is accepted; its events follow on `coach:stream`. */
  'coach:ask': { args: [streamId: string, request: ChatStreamRequest]; result: void };
  'coach:cancel': { args: [streamId: string]; result: void };
  'capture:sources': { args: []; result: HostResult<CaptureSourceInfo[]> };
  'capture:chart': { args: [sourceId?: string]; result: HostResult<CapturedChart> };
  'capture:region': { args: [region: PinnedRegion]; result: HostResult<CapturedChart> };
  'capture:under-cursor': { args: []; result: HostResult<CapturedChart> };
  'settings:pinned-regions': { args: []; result: Loaded<PinnedRegion[]> };
  'settings:save-pinned-regions': { args: [regions: PinnedRegion[]]; result: HostResult<PinnedRegion[]> };
  'settings:presets': { args: []; result: Loaded<Preset[]> };
  'settings:save-presets': { args: [presets: Preset[]]; result: HostResult<Preset[]> };
  'settings:shortcuts': { args: []; result: ShortcutStatus | null };
  'settings:save-shortcuts': { args: [bindings: Record<ShortcutAction, string>]; result: ShortcutStatus | null };
  'settings:theme': { args: []; result: ThemeChoice };
  'settings:save-theme': { args: [theme: ThemeChoice]; result: HostResult<ThemeChoice> };
  /** The downloaded update waiting for a restart, if any (later changes come on `app:update`). */
  'app:update-offer': { args: []; result: UpdateOffer | null };
  /** Restarts into the downloaded update, or, while an answer streams, as soon as it ends. */
  'app:restart-to-update': { args: []; result: void };
  /** The frozen frame the crop window shows (at native resolution on the display it covers). */
  'crop:frame': { args: []; result: CropFrame };
  /** The trader confirmed: the chart the crop window encoded, and the region in the frame's pixels. */
  'crop:done': { args: [result: { image: ChartImage; rect: Rect }]; result: void };
  'crop:cancel': { args: []; result: void };
}

export interface PushContract {
  'session:changed': SessionState;
  'coach:stream': CoachStreamMessage;
  /** The tray's latest usage read, so the window's meter shows the same figure without reading it again. */
  'usage:changed': UsageCurrentResponse;
  /** A preset's id, or null for an open quick question. */
  'app:quick-question': string | null;
  'app:recapture-pinned': null;
  'app:update': UpdateOffer | null;
  /** Something the app did by itself that the trader should know (the window reloaded after a crash). */
  'app:notice': string;
}

export type InvokeArgs<C extends InvokeChannel> = InvokeContract[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeContract[C]['result'];

const invokeChannels: ReadonlySet<string> = new Set(INVOKE_CHANNELS);

export const isInvokeChannel = (channel: unknown): channel is InvokeChannel =>
  typeof channel === 'string' && invokeChannels.has(channel);

/** Stream ids come from the renderer: short, plain tokens only, so they cannot smuggle anything. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

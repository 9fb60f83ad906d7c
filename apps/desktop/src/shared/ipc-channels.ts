// The IPC contract between the preload (window.coach) and the main process: every channel that exists,
// with its arguments and results. Pure: main's IPC wrapper refuses any channel not listed here.
import type {
  ChatStreamRequest,
  CoachEvent,
  ConversationsResponse,
  MessagesResponse,
  StatusResponse,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';
import type { CapturedFrame, HostError, HostResult, SessionState } from './host-api';

/** Renderer → main requests (ipcRenderer.invoke / ipcMain.handle). */
export const INVOKE_CHANNELS = [
  'session:get',
  'session:sign-in',
  'session:sign-out',
  'api:status',
  'api:usage',
  'api:conversations',
  'api:messages',
  'coach:ask',
  'coach:cancel',
  'capture:screen',
] as const;
export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];

/** Main → renderer messages (webContents.send / ipcRenderer.on). */
export const PUSH_CHANNELS = ['session:changed', 'coach:stream', 'app:quick-question'] as const;
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
  'api:conversations': { args: [cursor?: string]; result: HostResult<ConversationsResponse> };
  'api:messages': { args: [conversationId: string]; result: HostResult<MessagesResponse> };
  /** Resolves once the stream is accepted; its events follow on `coach:stream`. */
  'coach:ask': { args: [streamId: string, request: ChatStreamRequest]; result: void };
  'coach:cancel': { args: [streamId: string]; result: void };
  'capture:screen': { args: []; result: HostResult<CapturedFrame> };
}

export interface PushContract {
  'session:changed': SessionState;
  'coach:stream': CoachStreamMessage;
  'app:quick-question': null;
}

export type InvokeArgs<C extends InvokeChannel> = InvokeContract[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeContract[C]['result'];

const invokeChannels: ReadonlySet<string> = new Set(INVOKE_CHANNELS);

export const isInvokeChannel = (channel: unknown): channel is InvokeChannel =>
  typeof channel === 'string' && invokeChannels.has(channel);

/** Stream ids come from the renderer: short, plain tokens only, so they cannot smuggle anything. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

// Preload: exposes window.coach (CoachHostApi) over IPC to the main process — or, in the crop overlay
// window (`#crop`), window.coachCrop (CropHostApi) and nothing else. Marshalling only — no logic, no tokens,
// no Node: the IPC event object never reaches the page, only the payloads main sent.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CoachHostApi, CropHostApi, HostError } from '../shared/host-api';
import type { InvokeArgs, InvokeChannel, InvokeResult, PushChannel, PushContract } from '../shared/ipc-channels';

const invoke = <C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>) =>
  ipcRenderer.invoke(channel, ...args) as Promise<InvokeResult<C>>;

function subscribe<C extends PushChannel>(channel: C, listener: (payload: PushContract[C]) => void): () => void {
  const forward = (_event: IpcRendererEvent, payload: PushContract[C]) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

// The page picks no ids: each answer gets a fresh one here, so events of two answers never mix.
let streamCount = 0;
const newStreamId = () =>
  globalThis.crypto?.randomUUID?.() ?? `s${Date.now().toString(36)}${(streamCount += 1).toString(36)}`;

const HOST_FAILED: HostError = { code: 'host_failed', message: 'The app could not start the answer.', status: null };

const coach: CoachHostApi = {
  kind: 'electron',
  session: {
    get: () => invoke('session:get'),
    signIn: () => invoke('session:sign-in'),
    signOut: () => invoke('session:sign-out'),
    onChange: (listener) => subscribe('session:changed', listener),
  },
  api: {
    status: () => invoke('api:status'),
    usage: () => invoke('api:usage'),
    openBilling: (page) => invoke('api:open-billing', page),
    conversations: (cursor, q) => invoke('api:conversations', cursor, q),
    renameConversation: (id, title) => invoke('api:rename-conversation', id, title),
    deleteConversation: (id) => invoke('api:delete-conversation', id),
    messages: (conversationId, cursor) => invoke('api:messages', conversationId, cursor),
    chart: (conversationId, messageId, n) => invoke('api:chart', conversationId, messageId, n),
    readChart: (image) => invoke('api:read-chart', image),
    onUsage: (listener) => subscribe('usage:changed', listener),
  },
  coach: {
    ask(request, handlers) {
      const streamId = newStreamId();
      let ended = false;
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const end = () => {
        ended = true;
        unsubscribe();
        finish();
      };
      // Subscribed before asking: main may answer before the invoke resolves.
      const unsubscribe = subscribe('coach:stream', (message) => {
        if (message.streamId !== streamId || ended) return;
        if (message.kind === 'event') handlers.onEvent(message.event);
        else if (message.kind === 'error') handlers.onError(message.error);
        else end();
      });
      invoke('coach:ask', streamId, request).catch(() => {
        if (ended) return;
        handlers.onError(HOST_FAILED);
        end();
      });
      return {
        cancel: () => {
          invoke('coach:cancel', streamId).catch(() => undefined);
        },
        done,
      };
    },
  },
  capture: {
    sources: () => invoke('capture:sources'),
    chart: (sourceId) => invoke('capture:chart', sourceId),
    region: (region) => invoke('capture:region', region),
    underCursor: () => invoke('capture:under-cursor'),
  },
  settings: {
    pinnedRegions: () => invoke('settings:pinned-regions'),
    savePinnedRegions: (regions) => invoke('settings:save-pinned-regions', regions),
    presets: () => invoke('settings:presets'),
    savePresets: (presets) => invoke('settings:save-presets', presets),
    shortcuts: () => invoke('settings:shortcuts'),
    saveShortcuts: (bindings) => invoke('settings:save-shortcuts', bindings),
    theme: () => invoke('settings:theme'),
    saveTheme: (theme) => invoke('settings:save-theme', theme),
  },
  app: {
    onQuickQuestion: (listener) => subscribe('app:quick-question', (presetId) => listener(presetId)),
    onRecapturePinned: (listener) => subscribe('app:recapture-pinned', () => listener()),
    updateOffer: () => invoke('app:update-offer'),
    onUpdate: (listener) => subscribe('app:update', listener),
    restartToUpdate: () => invoke('app:restart-to-update'),
    onNotice: (listener) => subscribe('app:notice', listener),
  },
};

const coachCrop: CropHostApi = {
  frame: () => invoke('crop:frame'),
  done: (result) => invoke('crop:done', result),
  cancel: () => invoke('crop:cancel'),
};

// Each window gets only its own API; main refuses the other's channels from it anyway.
if (globalThis.location?.hash === '#crop') contextBridge.exposeInMainWorld('coachCrop', coachCrop);
else contextBridge.exposeInMainWorld('coach', coach);

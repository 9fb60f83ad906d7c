// A CoachHostApi driven by the test (the window.coach contract, no Electron and no server): it records what
// the renderer asks, lets the test send the answer's events or refuse it, push a usage read as the host does
// after an answer, and scripts captures and settings.
import type {
  ChatStreamRequest,
  CoachEvent,
  MessageItem,
  StatusResponse,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';
import type {
  BillingPage,
  CapturedChart,
  CoachHostApi,
  HostError,
  HostResult,
  UpdateOffer,
} from '../../src/shared/host-api';
import { afterEach, beforeEach } from 'vitest';
import { setHostForTests } from '../../src/renderer/src/host';
import { resetAllStores } from '../../src/renderer/src/state/reset';
import type { PinnedRegion } from '../../src/shared/pinned-regions';

interface Asked {
  request: ChatStreamRequest;
  send(event: CoachEvent): void;
  refuse(error: HostError): void;
  cancelled: boolean;
}

/** The server's default page of messages. */
export const MESSAGES_PAGE = 50;

export const QUOTA = { limit: 100_000, used: 2_000, remaining: 98_000, percent: 2 };
export const USAGE: UsageCurrentResponse = {
  tier: 'free',
  period: { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
  tokens: { input: 1_500, output: 500, cacheRead: 0, cacheWrite: 0 },
  quota: QUOTA,
  overage: { tokens: 0, reportedTokens: 0 },
  requests: 1,
  costUsd: 0.01,
  cache: { hitRate: 0, savingsUsd: 0 },
};

const cancelled: HostResult<CapturedChart> = {
  ok: false,
  error: { code: 'capture_cancelled', message: 'x', status: null },
};

export function scriptedHost() {
  const asked: Asked[] = [];
  let usageCalls = 0;
  /** Pages the renderer asked to open (Upgrade, Manage plan), and what the next one answers. */
  const billingPages: BillingPage[] = [];
  let billingResult: HostResult<void> = { ok: true, value: undefined };
  let conversationCalls = 0;
  const usageListeners = new Set<(usage: UsageCurrentResponse) => void>();
  const updateListeners = new Set<(offer: UpdateOffer | null) => void>();
  const noticeListeners = new Set<(message: string) => void>();
  let updateOffer: UpdateOffer | null = null;
  let statusResult: HostResult<StatusResponse> = { ok: false, error: { code: 'offline', message: 'x', status: null } };
  let restarts = 0;
  /** What each pinned region's capture answers (by region id), and what the display under the cursor does. */
  const regionResults = new Map<string, HostResult<CapturedChart>>();
  let underCursorResult: HostResult<CapturedChart> = cancelled;
  const captured: { regions: string[]; underCursor: number } = { regions: [], underCursor: 0 };
  /** The messages of any conversation; messages() pages them as the server does (newest page first). */
  const history: MessageItem[] = [];
  const messageCalls: Array<{ conversationId: string; cursor: string | undefined }> = [];
  const host: CoachHostApi = {
    kind: 'web',
    session: {
      get: async () => ({ status: 'signed_in', subject: 'user_local', expiresAt: Date.now() + 600_000 }),
      signIn: async () => ({ status: 'signing_in' }),
      signOut: async () => undefined,
      onChange: () => () => undefined,
    },
    api: {
      status: async () => statusResult,
      usage: async () => {
        usageCalls += 1;
        return { ok: true, value: USAGE };
      },
      openBilling: async (page) => {
        billingPages.push(page);
        return billingResult;
      },
      conversations: async () => {
        conversationCalls += 1;
        return { ok: true, value: { items: [], nextCursor: null } };
      },
      renameConversation: async () => ({ ok: false, error: { code: 'not_found', message: 'x', status: 404 } }),
      deleteConversation: async () => ({ ok: false, error: { code: 'not_found', message: 'x', status: 404 } }),
      messages: async (conversationId, cursor) => {
        messageCalls.push({ conversationId, cursor });
        const end = cursor === undefined ? history.length : history.findIndex((message) => message.id === cursor);
        if (end < 0) return { ok: false, error: { code: 'invalid_request', message: 'Bad cursor.', status: 400 } };
        const start = Math.max(0, end - MESSAGES_PAGE);
        return {
          ok: true,
          value: { items: history.slice(start, end), nextCursor: start > 0 ? (history[start]?.id ?? null) : null },
        };
      },
      chart: async () => ({ ok: false, error: { code: 'not_found', message: 'x', status: 404 } }),
      onUsage: (listener) => {
        usageListeners.add(listener);
        return () => void usageListeners.delete(listener);
      },
    },
    coach: {
      ask(request, handlers) {
        let finish = (): void => undefined;
        const done = new Promise<void>((resolve) => (finish = resolve));
        const entry: Asked = {
          request,
          cancelled: false,
          send: (event) => {
            handlers.onEvent(event);
            if (event.event === 'stream_complete' || event.event === 'stream_error') finish();
          },
          refuse: (error) => {
            handlers.onError(error);
            finish();
          },
        };
        asked.push(entry);
        return {
          cancel: () => {
            entry.cancelled = true;
            finish();
          },
          done,
        };
      },
    },
    capture: {
      sources: async () => ({ ok: true, value: [] }),
      chart: async () => cancelled,
      region: async (region: PinnedRegion) => {
        captured.regions.push(region.id);
        return regionResults.get(region.id) ?? cancelled;
      },
      underCursor: async () => {
        captured.underCursor += 1;
        return underCursorResult;
      },
    },
    settings: {
      pinnedRegions: async () => ({ value: [], notice: null }),
      savePinnedRegions: async (regions) => ({ ok: true, value: regions }),
      presets: async () => ({ value: [], notice: null }),
      savePresets: async (presets) => ({ ok: true, value: presets }),
      shortcuts: async () => null,
      saveShortcuts: async () => null,
      theme: async () => 'system',
      saveTheme: async (theme) => ({ ok: true, value: theme }),
    },
    app: {
      onQuickQuestion: () => () => undefined,
      onRecapturePinned: () => () => undefined,
      updateOffer: async () => updateOffer,
      onUpdate: (listener) => {
        updateListeners.add(listener);
        return () => void updateListeners.delete(listener);
      },
      restartToUpdate: async () => {
        restarts += 1;
      },
      onNotice: (listener) => {
        noticeListeners.add(listener);
        return () => void noticeListeners.delete(listener);
      },
    },
  };
  return {
    host,
    asked,
    /** The renderer's own usage reads (api.usage); the host's reads after answers arrive by pushUsage. */
    usageCalls: () => usageCalls,
    billingPages,
    scriptBilling: (result: HostResult<void>) => {
      billingResult = result;
    },
    /** What api.status() answers from now on (offline until scripted). */
    scriptStatus: (result: HostResult<StatusResponse>) => {
      statusResult = result;
    },
    conversationCalls: () => conversationCalls,
    /** The host's usage read after an answer, as main (or the web host) pushes it. */
    pushUsage: (usage: UsageCurrentResponse) => usageListeners.forEach((listener) => listener(usage)),
    /** Main's update offer: what updateOffer() answers from now on, pushed to whoever follows it. */
    pushUpdate: (offer: UpdateOffer | null) => {
      updateOffer = offer;
      updateListeners.forEach((listener) => listener(offer));
    },
    pushNotice: (message: string) => noticeListeners.forEach((listener) => listener(message)),
    restarts: () => restarts,
    captured,
    history,
    messageCalls,
    scriptRegion: (id: string, result: HostResult<CapturedChart>) => regionResults.set(id, result),
    scriptUnderCursor: (result: HostResult<CapturedChart>) => {
      underCursorResult = result;
    },
  };
}

export type ScriptedHost = ReturnType<typeof scriptedHost>;

/** A fresh scripted host for each test, put in place of the real one; the stores reset after each test. */
export function useScriptedHost(): () => ScriptedHost {
  let current: ScriptedHost | undefined;
  beforeEach(() => {
    current = scriptedHost();
    setHostForTests(current.host);
  });
  afterEach(() => {
    resetAllStores();
    setHostForTests(undefined);
  });
  return () => {
    if (!current) throw new Error('useScriptedHost: no test is running');
    return current;
  };
}

// `window.coach` for a plain browser: the server is this page's own origin, sign-in is a PKCE redirect to
// the issuer the server names (the shared OAuth client), every API call recovers once from a 401,
// capture is getDisplayMedia cropped in the page's own overlay, settings live in localStorage. Used when the
// renderer runs as the web version (and in the e2e suite).
import type {
  BillingUrlResponse,
  ChartAnalysisImage,
  ChatStreamRequest,
  CoachEvent,
  ConversationSummary,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';
import {
  billingRequest,
  conversationPath,
  conversationsPath,
  createSessionClient,
  rereadOnReturn,
  type CoachHostApi,
  type CropFrame,
  type HostError,
  type HostResult,
  type Rect,
  type AnswerEnd,
  settledAfter,
  usageCurrentPath,
} from '../shared';
import { captureChart, captureRegion, captureWhole } from './web-capture';
import { createWebSession } from './web-session';
import { createWebSettings } from './web-settings';

export interface WebHostOptions {
  /** Shows the crop overlay over a captured frame; resolves with the chosen region, or null when cancelled. */
  presentCrop: (frame: CropFrame) => Promise<Rect | null>;
}

/** The local chart reader (POST, one chart, no tokens): the preview's bar numbers. */
const CHARTS_READ_PATH = '/charts/read';

/** localStorage, or null where the browser blocks it (reading the property itself can throw). */
function pageStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function createWebHost(options: WebHostOptions): CoachHostApi {
  const session = createWebSession();
  const client = createSessionClient({ baseUrl: '', session });

  /** Each call waits for a returning redirect or the saved session to be taken up first. */
  const authedGet = async <T>(path: string): Promise<HostResult<T>> => {
    await session.restore();
    return client.get<T>(path);
  };

  // The web version's stand-in for main's push: one usage read after each answer, to every listener.
  const usageListeners = new Set<(usage: UsageCurrentResponse) => void>();
  const pushUsage = async (end?: AnswerEnd): Promise<void> => {
    if (usageListeners.size === 0) return;
    const usage = await authedGet<UsageCurrentResponse>(usageCurrentPath(end && settledAfter(end)));
    if (usage.ok) for (const listener of usageListeners) listener(usage.value);
  };

  return {
    kind: 'web',
    session: {
      get: () => session.restore(),
      signIn: () => session.signIn(),
      signOut: () => session.signOut(),
      onChange: (listener) => session.onChange(listener),
    },
    api: {
      status: () => client.get('/status'),
      usage: () => authedGet<UsageCurrentResponse>(usageCurrentPath()),
      conversations: (cursor, q) => authedGet(conversationsPath(cursor, q)),
      renameConversation: async (id, title) => {
        await session.restore();
        return client.send<ConversationSummary>('PATCH', conversationPath(id), { title });
      },
      deleteConversation: async (id) => {
        await session.restore();
        return client.send<void>('DELETE', conversationPath(id));
      },
      messages: (conversationId, cursor) =>
        authedGet(
          `/conversations/${encodeURIComponent(conversationId)}/messages${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
        ),
      chart: async (conversationId, messageId, n) => {
        await session.restore();
        const id = encodeURIComponent;
        return client.getBytes(`/conversations/${id(conversationId)}/messages/${id(messageId)}/charts/${n}`);
      },
      readChart: async (image) => {
        await session.restore();
        return client.send<ChartAnalysisImage>('POST', CHARTS_READ_PATH, { image });
      },
      openBilling: async (page) => {
        await session.restore();
        const { path, body } = billingRequest(page);
        const opened = await client.send<BillingUrlResponse>('POST', path, body);
        if (!opened.ok) return opened;
        window.open(opened.value.url, '_blank', 'noopener');
        // Back in this tab (paid, or changed the plan): the plan is read again, as after an answer.
        rereadOnReturn(
          (callback) => window.addEventListener('focus', callback, { once: true }),
          () => void pushUsage(),
        );
        return { ok: true, value: undefined };
      },
      onUsage(listener) {
        usageListeners.add(listener);
        return () => void usageListeners.delete(listener);
      },
    },
    coach: {
      ask(request: ChatStreamRequest, handlers: { onEvent(event: CoachEvent): void; onError(error: HostError): void }) {
        const controller = new AbortController();
        let requestId: string | null = null;
        let outcome: AnswerEnd['outcome'] = 'crashed';
        const done = session
          .restore()
          .then(() =>
            client.streamChat(
              request,
              {
                onEvent: (event) => {
                  if (event.event === 'stream_start') requestId = event.data.requestId;
                  handlers.onEvent(event);
                },
                onError: (error) => handlers.onError(error),
              },
              controller.signal,
            ),
          )
          .then(
            (ended) => void (outcome = ended),
            () => handlers.onError({ code: 'internal', message: 'The question could not be sent.', status: null }),
          );
        // However it ended (answered, refused, stopped), once its stream is over: the meter reads what the
        // server now counts.
        void done.then(() => pushUsage({ outcome, requestId })).catch(() => undefined);
        return { cancel: () => controller.abort(), done };
      },
    },
    capture: {
      // The browser's own picker chooses what to share.
      sources: async () => ({ ok: true, value: [] }),
      chart: () => captureChart(options.presentCrop),
      region: captureRegion,
      underCursor: captureWhole,
    },
    settings: createWebSettings(pageStorage()),
    app: {
      // The tray and its shortcuts exist only in the desktop app.
      onQuickQuestion: () => () => undefined,
      onRecapturePinned: () => () => undefined,
      // The web version is updated by its server: nothing to restart.
      updateOffer: async () => null,
      onUpdate: () => () => undefined,
      restartToUpdate: async () => undefined,
      onNotice: () => () => undefined,
    },
  };
}

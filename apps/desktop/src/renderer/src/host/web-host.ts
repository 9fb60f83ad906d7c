// `window.coach` for a plain browser: the server is this page's own origin, sign-in is a PKCE redirect,
// capture is getDisplayMedia cropped in the page's own overlay, settings live in localStorage. Used when the
// renderer runs as the web version (and in the e2e suite).
import type { ChatStreamRequest, CoachEvent, UsageCurrentResponse } from '@strat-coach/server/contract';
import {
  createCoachClient,
  type CoachHostApi,
  type CropFrame,
  type HostError,
  type HostResult,
  type Rect,
  readUsageAfterAnswer,
} from '../shared';
import { captureChart, captureRegion, captureWhole } from './web-capture';
import { createWebSession } from './web-session';
import { createWebSettings } from './web-settings';

export interface WebHostOptions {
  /** Shows the crop overlay over a captured frame; resolves with the chosen region, or null when cancelled. */
  presentCrop: (frame: CropFrame) => Promise<Rect | null>;
}

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
  const client = createCoachClient({ baseUrl: '', accessToken: () => session.accessToken() });

  /** A GET that survives an access token the server no longer accepts: refresh once, then ask again. */
  const authedGet = async <T>(path: string): Promise<HostResult<T>> => {
    await session.start();
    const first = await client.get<T>(path);
    if (first.ok || first.error.status !== 401) return first;
    return (await session.recoverFromRejection()) ? client.get<T>(path) : first;
  };

  // The web version's stand-in for main's push: one usage read after each answer, to every listener.
  const usageListeners = new Set<(usage: UsageCurrentResponse) => void>();
  /** The last usage read, whoever asked: what a stopped answer's read is compared with. */
  let lastUsage: UsageCurrentResponse | null = null;
  const readUsage = async (): Promise<HostResult<UsageCurrentResponse>> => {
    const usage = await authedGet<UsageCurrentResponse>('/usage/current');
    if (usage.ok) lastUsage = usage.value;
    return usage;
  };
  const pushUsage = async (stopped: boolean): Promise<void> => {
    if (usageListeners.size === 0) return;
    const usage = await readUsageAfterAnswer({ read: readUsage, before: lastUsage, stopped });
    if (usage.ok) for (const listener of usageListeners) listener(usage.value);
  };

  return {
    kind: 'web',
    session: {
      async get() {
        await session.start();
        return session.state();
      },
      signIn: () => session.signIn(),
      signOut: () => session.signOut(),
      onChange: (listener) => session.onChange(listener),
    },
    api: {
      status: () => client.get('/status'),
      usage: readUsage,
      conversations: (cursor) => authedGet(`/conversations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`),
      messages: (conversationId, cursor) =>
        authedGet(
          `/conversations/${encodeURIComponent(conversationId)}/messages${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
        ),
      onUsage(listener) {
        usageListeners.add(listener);
        return () => void usageListeners.delete(listener);
      },
    },
    coach: {
      ask(request: ChatStreamRequest, handlers: { onEvent(event: CoachEvent): void; onError(error: HostError): void }) {
        const controller = new AbortController();
        let modelStarted = false;
        const attempt = async (mayRecover: boolean): Promise<void> => {
          let refused: HostError | null = null;
          await client.streamChat(
            request,
            {
              onEvent: (event) => {
                if (event.event === 'message_start') modelStarted = true;
                handlers.onEvent(event);
              },
              onError: (error) => {
                refused = error;
              },
            },
            controller.signal,
          );
          // Typed through a cast: TypeScript cannot see the callback above assign it.
          const rejection = refused as HostError | null;
          if (!rejection) return;
          // A 401 is refused before the stream opens, so nothing was spent: safe to ask once more.
          if (rejection.status === 401 && mayRecover && (await session.recoverFromRejection())) {
            if (!controller.signal.aborted) return attempt(false);
            return;
          }
          handlers.onError(rejection);
        };
        const done = session
          .start()
          .then(() => attempt(true))
          .catch(() => {
            handlers.onError({ code: 'internal', message: 'The question could not be sent.', status: null });
          });
        // However it ended (answered, refused, stopped), once its stream is over: the meter reads what the
        // server now counts.
        void done.then(() => pushUsage(controller.signal.aborted && modelStarted)).catch(() => undefined);
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
    },
  };
}

// window.coach's and window.coachCrop's main side: one handler per host API method, registered through the
// IPC router. Tokens stay here — the renderer gets results, events and session states, never a credential.
import { MAX_IMAGES } from '@strat-coach/server/contract';
import type {
  BillingUrlResponse,
  ChartAnalysisImage,
  ChatStreamRequest,
  ConversationsResponse,
  ConversationSummary,
  MessagesResponse,
  StatusResponse,
  UsageCurrentResponse,
} from '@strat-coach/server/contract';
import type { CoachClient } from '../shared/coach-client';
import { conversationPath, conversationsPath, isConversationId, isShortText } from '../shared/conversation-paths';
import { billingRequest, isBillingPage, rereadOnReturn } from '../shared/billing-page';
import type { UpdateOffer } from '../shared/host-api';
import type { PushChannel, PushContract } from '../shared/ipc-channels';
import type { AppSettings } from './app-settings';
import type { AuthSession } from './auth/session';
import type { CaptureSession } from './capture-session';
import type { CoachStreams } from './coach-streams';
import type { IpcRouter } from './ipc-router';

export interface BridgeDeps {
  router: IpcRouter;
  session: AuthSession;
  client: CoachClient;
  streams: CoachStreams;
  capture: Pick<
    CaptureSession,
    'sources' | 'chart' | 'region' | 'underCursor' | 'cropFrame' | 'cropDone' | 'cropCancel'
  >;
  settings: Pick<
    AppSettings,
    | 'pinnedRegions'
    | 'savePinnedRegions'
    | 'presets'
    | 'savePresets'
    | 'shortcuts'
    | 'saveShortcuts'
    | 'theme'
    | 'saveTheme'
  >;
  updates: { offer(): UpdateOffer | null; restart(): void };
  /** Opens Stripe's page in the system browser (shell.openExternal). */
  openBillingPage(url: string): Promise<void>;
  /** Calls back once, when the trader is back in the coach window (its next focus). */
  whenBack(callback: () => void): void;
  /** Reads the usage (and so the plan) again, for the tray and the window. */
  refreshUsage(): void;
  /** Sends to the coach window, if there is one. */
  push<C extends PushChannel>(channel: C, payload: PushContract[C]): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (message: string) => ({
  ok: false as const,
  error: { code: 'invalid_request', message, status: null },
});

/** The shape only: the server validates the content (lengths, image types, sizes) and says what is wrong. */
function isChatRequest(value: unknown): value is ChatStreamRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { message, conversationId, images } = value as Record<string, unknown>;
  return (
    typeof message === 'string' &&
    (conversationId === undefined || typeof conversationId === 'string') &&
    (images === undefined || Array.isArray(images))
  );
}

/** Registers every handler; returns a function that stops pushing session changes. */
export function registerCoachHandlers(deps: BridgeDeps): () => void {
  const { router, session, client, streams } = deps;

  router.handle('session:get', async () => session.restore());
  router.handle('session:sign-in', () => session.signIn());
  router.handle('session:sign-out', () => session.signOut());

  router.handle('api:status', () => client.get<StatusResponse>('/status'));
  router.handle('api:usage', () => client.get<UsageCurrentResponse>('/usage/current'));
  router.handle('api:conversations', (_caller, [cursor, q]) => {
    if (cursor !== undefined && !isConversationId(cursor)) return invalid('Bad cursor.');
    if (q !== undefined && !isShortText(q)) return invalid('Bad search.');
    return client.get<ConversationsResponse>(conversationsPath(cursor, q));
  });
  router.handle('api:rename-conversation', (_caller, [id, title]) => {
    if (!isConversationId(id)) return invalid('Bad conversation id.');
    if (!isShortText(title)) return invalid('Bad title.');
    return client.send<ConversationSummary>('PATCH', conversationPath(id), { title });
  });
  router.handle('api:delete-conversation', (_caller, [id]) => {
    if (!isConversationId(id)) return invalid('Bad conversation id.');
    return client.send<void>('DELETE', conversationPath(id));
  });
  router.handle('api:messages', (_caller, [conversationId, cursor]) => {
    if (typeof conversationId !== 'string' || !UUID.test(conversationId)) return invalid('Bad conversation id.');
    if (cursor !== undefined && (typeof cursor !== 'string' || !UUID.test(cursor))) return invalid('Bad cursor.');
    const query = cursor ? `?cursor=${cursor}` : '';
    return client.get<MessagesResponse>(`/conversations/${conversationId}/messages${query}`);
  });

  router.handle('api:chart', (_caller, [conversationId, messageId, n]) => {
    if (typeof conversationId !== 'string' || !UUID.test(conversationId)) return invalid('Bad conversation id.');
    if (typeof messageId !== 'string' || !UUID.test(messageId)) return invalid('Bad message id.');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= MAX_IMAGES) return invalid('Bad chart number.');
    return client.getBytes(`/conversations/${conversationId}/messages/${messageId}/charts/${n}`);
  });

  router.handle('api:read-chart', (_caller, [image]) => {
    // The shape only, as for a question's images: the server checks the type, the bytes and the size.
    if (typeof image !== 'object' || image === null) return invalid('Bad chart.');
    const { mediaType, data } = image as Record<string, unknown>;
    if (typeof mediaType !== 'string' || typeof data !== 'string') return invalid('Bad chart.');
    return client.send<ChartAnalysisImage>('POST', '/charts/read', { image });
  });

  router.handle('api:open-billing', async (_caller, [page]) => {
    if (!isBillingPage(page)) return invalid('not a billing page');
    const { path, body } = billingRequest(page);
    const opened = await client.send<BillingUrlResponse>('POST', path, body);
    if (!opened.ok) return opened;
    // Only Stripe's own https pages leave the app: the server's answer is not trusted to name any other.
    if (!/^https:\/\//.test(opened.value.url)) return invalid('the billing page is not https');
    await deps.openBillingPage(opened.value.url);
    // Back from paying (or changing the plan): the webhook has moved the tier, or is about to; show it.
    rereadOnReturn(
      (callback) => deps.whenBack(callback),
      () => deps.refreshUsage(),
    );
    return { ok: true as const, value: undefined };
  });
  router.handle('coach:ask', ({ sender }, [streamId, request]) => {
    if (typeof streamId !== 'string') throw new Error('stream id missing');
    if (!isChatRequest(request)) throw new Error('malformed chat request');
    streams.start(streamId, request, {
      send: (message) => sender.send('coach:stream', message),
      isGone: () => sender.isDestroyed(),
    });
  });
  router.handle('coach:cancel', (_caller, [streamId]) => {
    if (typeof streamId === 'string') streams.cancel(streamId);
  });

  // Each takes its arguments as `unknown` and checks them itself.
  const { capture, settings } = deps;
  router.handle('capture:sources', () => capture.sources());
  router.handle('capture:chart', (_caller, [sourceId]) => capture.chart(sourceId));
  router.handle('capture:region', (_caller, [region]) => capture.region(region));
  router.handle('capture:under-cursor', () => capture.underCursor());

  router.handle('settings:pinned-regions', () => settings.pinnedRegions());
  router.handle('settings:save-pinned-regions', (_caller, [regions]) => settings.savePinnedRegions(regions));
  router.handle('settings:presets', () => settings.presets());
  router.handle('settings:save-presets', (_caller, [presets]) => settings.savePresets(presets));
  router.handle('settings:shortcuts', () => settings.shortcuts());
  router.handle('settings:save-shortcuts', (_caller, [bindings]) => settings.saveShortcuts(bindings));
  router.handle('settings:theme', () => settings.theme());
  router.handle('settings:save-theme', (_caller, [theme]) => settings.saveTheme(theme));

  router.handle('app:update-offer', () => deps.updates.offer());
  router.handle('app:restart-to-update', () => deps.updates.restart());

  // The crop window's: the router takes these only from its main frame.
  router.handle('crop:frame', () => capture.cropFrame());
  router.handle('crop:done', (_caller, [result]) => capture.cropDone(result));
  router.handle('crop:cancel', () => capture.cropCancel());

  return session.onChange((state) => deps.push('session:changed', state));
}

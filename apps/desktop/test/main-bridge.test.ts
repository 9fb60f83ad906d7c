// window.coach's main side against the real server and the fake Anthropic upstream, called the way the
// preload calls it (through the IPC router, from the app's main frame): answers stream to the renderer
// under their stream id and end with one `end`; cancel stops the upstream call; refusals arrive as errors;
// session changes are pushed; no token ever reaches the renderer; the tray's meter follows the quota; the
// history is searched, renamed and deleted through main.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  deliverEvent,
  pngOfSize,
  startFakeStripe,
  startTestServer,
  stripeApi,
  stripeEvent,
  subscription,
  type TestServer,
} from '@strat-coach/server/testing';
import type { IncomingMessage } from 'node:http';
import type {
  ConversationsResponse,
  ConversationSummary,
  MessagesResponse,
  UsageCurrentResponse,
  UsageHistoryResponse,
} from '@strat-coach/server/contract';
import type { HostResult, StoredChart } from '../src/shared/host-api';
import type { ChartAnalysisImage } from '@strat-coach/server/contract';
import { createSessionClient } from '../src/shared/auth/session-client';
import type { CoachStreamMessage, PushChannel } from '../src/shared/ipc-channels';
import { createMainAuthSession, type AuthSession } from '../src/main/auth/session';
import { createAppUrlPolicy } from '../src/main/app-url';
import { registerCoachHandlers, type BridgeDeps } from '../src/main/bridge';
import { createCoachStreams, type CoachStreams } from '../src/main/coach-streams';
import { createIpcRouter, type FrameLike, type InvokeListener } from '../src/main/ipc-router';
import { silentLogger } from '../src/main/log';
import { createUsageMeter, type MeterView } from '../src/main/usage-meter';
import { usageCurrentPath } from '../src/shared/usage-after-answer';
import { fakeBrowser, memoryStore } from './support/main-browser';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ fakeUpstream: true });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.fake!.reset();
});

const appFrame: FrameLike = { url: 'app://strat-coach/index.html', processId: 1, frameToken: 'coach' };

/** The main process as index.ts wires it, minus Electron: what the renderer receives is recorded. */
function mainProcess(target: TestServer = server) {
  const server = target;
  const session: AuthSession = createMainAuthSession({
    serverUrl: server.url,
    openExternal: fakeBrowser().openExternal,
    store: memoryStore(),
    log: silentLogger,
  });
  const client = createSessionClient({ baseUrl: server.url, session });
  const views: MeterView[] = [];
  const pushed: { channel: PushChannel; payload: unknown }[] = [];
  const push: BridgeDeps['push'] = (channel, payload) => void pushed.push({ channel, payload });
  const meter = createUsageMeter({
    session: () => session.state(),
    fetchUsage: (settled) => client.get(usageCurrentPath(settled)),
    onView: (view) => views.push(view),
    onUsage: (usage) => push('usage:changed', usage),
  });
  const streams: CoachStreams = createCoachStreams({
    client,
    log: silentLogger,
    onFinished: meter.afterAnswer,
  });
  const listeners = new Map<string, InvokeListener>();
  const router = createIpcRouter({
    register: (channel, listener) => listeners.set(channel, listener),
    coachFrame: () => appFrame,
    cropFrame: () => null,
    isAppUrl: createAppUrlPolicy().isAppUrl,
    log: silentLogger,
  });
  const streamed: CoachStreamMessage[] = [];
  /** Pages main opened in the system browser. */
  const opened: string[] = [];
  /** What main does when the trader is back in the window (its next focus). */
  const backs: (() => void)[] = [];
  const renderer = {
    gone: false,
    send: (channel: string, message: unknown) => {
      if (channel === 'coach:stream') streamed.push(message as CoachStreamMessage);
    },
    isDestroyed: () => renderer.gone,
  };
  registerCoachHandlers({
    router,
    session,
    client,
    streams,
    // Capture and settings have their own tests (main-capture-session, main-app-settings, main-ipc).
    capture: {} as BridgeDeps['capture'],
    settings: {} as BridgeDeps['settings'],
    updates: {} as BridgeDeps['updates'],
    openBillingPage: async (url) => void opened.push(url),
    whenBack: (callback) => void backs.push(callback),
    refreshUsage: () => void meter.refresh(),
    push,
  });
  const invoke = <T = unknown>(channel: string, ...args: unknown[]) =>
    listeners.get(channel)!({ senderFrame: appFrame, sender: renderer }, ...args) as Promise<T>;
  const ended = (streamId: string) =>
    vi.waitFor(() => expect(streamed).toContainEqual({ streamId, kind: 'end' }), { timeout: 10_000 });
  const of = (streamId: string) => streamed.filter((message) => message.streamId === streamId);
  const usagePushes = () =>
    pushed.filter((push) => push.channel === 'usage:changed').map((push) => push.payload as UsageCurrentResponse);
  return {
    session,
    client,
    opened,
    meter,
    views,
    streams,
    renderer,
    pushed,
    usagePushes,
    streamed,
    invoke,
    /** The trader comes back to the window. */
    back: () => backs.splice(0).forEach((callback) => callback()),
    ended,
    of,
    stop: meter.stop,
  };
}

/** GET /usage/current requests the real server received during this test, counted at its HTTP server. */
function countUsageReads(): { count: () => number } {
  let count = 0;
  const onRequest = (request: IncomingMessage) => {
    if (request.url?.startsWith('/api/v1/usage/current')) count += 1;
  };
  server.app.server.on('request', onRequest);
  onTestFinished(() => void server.app.server.off('request', onRequest));
  return { count: () => count };
}

describe('usage after each answer', () => {
  it('is read once, and that read serves the tray and the window', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    const reads = countUsageReads();

    await main.invoke('coach:ask', 'stream-usage', { message: 'Is this a 2-1-2?' });
    await main.ended('stream-usage');
    await vi.waitFor(() => expect(main.usagePushes()).toHaveLength(1));

    const complete = main.of('stream-usage').find((m) => m.kind === 'event' && m.event.event === 'stream_complete');
    if (complete?.kind !== 'event' || complete.event.event !== 'stream_complete') throw new Error('no stream_complete');
    // The pushed read is the figure the answer settled at, and the tray shows that same read.
    expect(main.usagePushes()[0]!.quota).toEqual(complete.event.data.quota);
    expect(main.views.at(-1)?.tooltip).toContain(
      `\n${complete.event.data.quota.remaining!.toLocaleString('en-US')} tokens left`,
    );
    expect(reads.count()).toBe(1);
    main.stop();
  });

  it('after Stop, is read when the stream has ended and pushed once the server has recorded the answer', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    // As index.ts does on every session change: the figure a stopped answer's read is compared with.
    const before = await main.meter.refresh();
    const [signedIn] = main.usagePushes();
    server.fake!.script({ stallAfterChunks: 1 });

    await main.invoke('coach:ask', 'stream-usage-stop', { message: 'Walk me through this chart.' });
    await vi.waitFor(() =>
      expect(main.of('stream-usage-stop').some((m) => m.kind === 'event' && m.event.event === 'content_delta')).toBe(
        true,
      ),
    );
    await main.invoke('coach:cancel', 'stream-usage-stop');
    await main.ended('stream-usage-stop');
    await vi.waitFor(() => expect(main.usagePushes()).toHaveLength(2));

    // One push, and it already counts the cancelled call: no stale figure for the window or the tray.
    const stopped = main.usagePushes()[1]!;
    expect(stopped.requests).toBe(signedIn!.requests + 1);
    expect(stopped.quota.used).toBeGreaterThan(signedIn!.quota.used);
    expect(main.views.at(-1)?.tooltip).not.toBe(before.tooltip);
    main.stop();
  });
});

describe('coach.ask', () => {
  it('forwards every event of the answer under its stream id, then `end`, and the meter follows the quota', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');

    await main.invoke('coach:ask', 'stream-one', { message: 'Is this a 2-1-2?' });
    await main.ended('stream-one');

    const names = main
      .of('stream-one')
      .map((message) => (message.kind === 'event' ? message.event.event : message.kind));
    expect(names[0]).toBe('stream_start');
    expect(names.filter((name) => name === 'content_delta').length).toBeGreaterThan(0);
    expect(names.slice(-2)).toEqual(['stream_complete', 'end']);
    const text = main
      .of('stream-one')
      .map((message) =>
        message.kind === 'event' && message.event.event === 'content_delta' ? message.event.data.text : '',
      )
      .join('');
    expect(text).toBe('A 2-1-2 triggers only when price takes out the inside bar.');

    await vi.waitFor(() => expect(main.views.at(-1)?.tooltip).toMatch(/\n99,\d{3} tokens left\n/));
    main.stop();
  });

  it('stops the upstream call on cancel, keeps what was delivered, and the server records it cancelled', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    server.fake!.script({ stallAfterChunks: 1 });

    await main.invoke('coach:ask', 'stream-cancel', { message: 'Walk me through this chart.' });
    await vi.waitFor(() =>
      expect(main.of('stream-cancel').some((m) => m.kind === 'event' && m.event.event === 'content_delta')).toBe(true),
    );
    await main.invoke('coach:cancel', 'stream-cancel');
    await main.ended('stream-cancel');

    expect(main.of('stream-cancel').some((m) => m.kind === 'event' && m.event.event === 'stream_complete')).toBe(false);
    await server.fake!.waitForDisconnect(0, 5_000);
    await vi.waitFor(async () => {
      const history = await main.client.get<UsageHistoryResponse>('/usage/history?limit=1');
      expect(history).toMatchObject({ ok: true, value: { items: [{ status: 'cancelled' }] } });
    });
    expect(main.streams.active).toBe(0);
    main.stop();
  });

  it('cancels the answer when the renderer is gone, and sends it nothing more', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    server.fake!.script({ chunkDelayMs: 300 });

    await main.invoke('coach:ask', 'stream-gone', { message: 'Anything?' });
    await vi.waitFor(() => expect(main.of('stream-gone').length).toBeGreaterThan(0));
    main.renderer.gone = true;
    const sentBefore = main.streamed.length;

    await server.fake!.waitForDisconnect(0, 5_000);
    await vi.waitFor(() => expect(main.streams.active).toBe(0));
    expect(main.streamed).toHaveLength(sentBefore);
    main.stop();
  });

  it('delivers a refusal before the stream as an error, then `end`', async () => {
    const main = mainProcess();

    await main.invoke('coach:ask', 'stream-refused', { message: 'Signed out question' });
    await main.ended('stream-refused');

    expect(main.of('stream-refused')).toEqual([
      {
        streamId: 'stream-refused',
        kind: 'error',
        error: expect.objectContaining({ code: 'token_missing', status: 401 }),
      },
      { streamId: 'stream-refused', kind: 'end' },
    ]);
    main.stop();
  });

  it('refuses malformed stream ids and requests without calling the server', async () => {
    const main = mainProcess();
    await expect(main.invoke('coach:ask', '../../x', { message: 'hi' })).rejects.toThrow('coach:ask failed');
    await expect(main.invoke('coach:ask', 'stream-bad-request', { text: 'hi' })).rejects.toThrow('coach:ask failed');
    expect(server.fake!.requests).toHaveLength(0);
    main.stop();
  });
});

describe('session and API calls', () => {
  it('pushes each session change to the renderer, and no token crosses', async () => {
    const main = mainProcess();

    const signedIn = await main.invoke('session:sign-in');
    const token = await main.session.accessToken();

    expect(signedIn).toMatchObject({ status: 'signed_in', subject: 'user_local' });
    expect(main.pushed.map((push) => [push.channel, (push.payload as { status: string }).status])).toEqual([
      ['session:changed', 'signing_in'],
      ['session:changed', 'signed_in'],
    ]);
    expect(token).toEqual(expect.any(String));
    expect(JSON.stringify([signedIn, main.pushed])).not.toContain(token!);

    await main.invoke('session:sign-out');
    expect(main.pushed.at(-1)).toEqual({ channel: 'session:changed', payload: { status: 'signed_out' } });
    expect(await main.invoke('session:get')).toEqual({ status: 'signed_out' });
    main.stop();
  });

  it('answers status, usage, conversations and messages with the contract’s results', async () => {
    const main = mainProcess();
    expect(await main.invoke('api:usage')).toMatchObject({ ok: false, error: { code: 'token_missing', status: 401 } });
    await main.invoke('session:sign-in');

    expect(await main.invoke('api:status')).toMatchObject({ ok: true, value: { mode: 'embedded' } });
    expect(await main.invoke('api:usage')).toMatchObject({ ok: true, value: { tier: 'free' } });
    expect(await main.invoke('api:conversations')).toMatchObject({ ok: true, value: { items: expect.any(Array) } });
    expect(await main.invoke('api:messages', '00000000-0000-4000-8000-000000000000')).toMatchObject({
      ok: false,
      error: { code: 'not_found', status: 404 },
    });
    expect(await main.invoke('api:messages', '../usage/current')).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    main.stop();
  });

  it('pages a conversation’s messages: the newest page, then the one before it by its cursor', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    await main.invoke('coach:ask', 'stream-paged', { message: 'First question' });
    await main.ended('stream-paged');
    const started = main.of('stream-paged')[0];
    if (started?.kind !== 'event' || started.event.event !== 'stream_start') throw new Error('no stream_start');
    const conversationId = started.event.data.conversationId;
    for (let n = 0; n < 60; n += 1)
      await server.app.repos.conversations.addMessage(conversationId, { role: 'user', content: `later ${n}` });

    const newest = await main.invoke<HostResult<MessagesResponse>>('api:messages', conversationId);
    if (!newest.ok) throw new Error(newest.error.message);
    expect(newest.value.items.map((item) => item.content).at(-1)).toBe('later 59');
    expect(newest.value.items).toHaveLength(50);
    const earlier = await main.invoke<HostResult<MessagesResponse>>(
      'api:messages',
      conversationId,
      newest.value.nextCursor,
    );
    if (!earlier.ok) throw new Error(earlier.error.message);
    expect(earlier.value.items.map((item) => item.content).slice(0, 3)).toEqual([
      'First question',
      expect.any(String),
      'later 0',
    ]);
    expect(earlier.value.nextCursor).toBeNull();
    expect(await main.invoke('api:messages', conversationId, '../usage/current')).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', status: null },
    });
    main.stop();
  });

  it('reads a chart for the preview through the server’s local reader, and refuses what is not a chart', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    // The e2e chart: 50 candles whose last bars read 2D-2D-2D-1-2U (e2e/web/charts/spy-60m.ts).
    const png = readFileSync(fileURLToPath(new URL('../../../e2e/web/charts/spy-60m.png', import.meta.url)));
    const reading = await main.invoke<HostResult<ChartAnalysisImage>>('api:read-chart', {
      mediaType: 'image/png',
      data: png.toString('base64'),
    });
    if (!reading.ok) throw new Error(reading.error.message);
    expect(reading.value).toMatchObject({ index: 0, width: 800, height: 450, sequence: '2D-2D-2D-1-2U' });
    expect(reading.value.candles).toHaveLength(12);
    expect(await main.invoke('api:read-chart', 'not a chart')).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', status: null },
    });
    // The server checks the bytes: text sent as a PNG is its 400, relayed.
    expect(
      await main.invoke('api:read-chart', {
        mediaType: 'image/png',
        data: Buffer.from('not an image at all').toString('base64'),
      }),
    ).toMatchObject({ ok: false, error: { status: 400 } });
    main.stop();
  });

  it('hands the renderer a question’s stored chart as bytes, and refuses ids that are not ids', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    const png = pngOfSize(320, 200);
    await main.invoke('coach:ask', 'stream-chart', {
      message: 'Is this a 2-1-2?',
      images: [{ mediaType: 'image/png', data: png.toString('base64'), label: 'SPY 60m' }],
    });
    await main.ended('stream-chart');
    const started = main.of('stream-chart')[0];
    if (started?.kind !== 'event' || started.event.event !== 'stream_start') throw new Error('no stream_start');
    const conversationId = started.event.data.conversationId;
    const page = await main.invoke<HostResult<MessagesResponse>>('api:messages', conversationId);
    if (!page.ok) throw new Error(page.error.message);
    const question = page.value.items.find((item) => item.role === 'user');
    if (!question) throw new Error('no question stored');

    const chart = await main.invoke<HostResult<StoredChart>>('api:chart', conversationId, question.id, 0);
    if (!chart.ok) throw new Error(chart.error.message);
    expect(chart.value.mediaType).toBe('image/png');
    expect(Buffer.from(chart.value.bytes).equals(png)).toBe(true);
    expect(await main.invoke('api:chart', conversationId, question.id, 1)).toMatchObject({
      ok: false,
      error: { code: 'not_found', status: 404 },
    });
    expect(await main.invoke('api:chart', conversationId, '../../usage/current', 0)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', status: null },
    });
    expect(await main.invoke('api:chart', conversationId, question.id, 4)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', status: null },
    });
    main.stop();
  });
});

/**
 * The history's host API on main's side: a search finds a conversation by a word of its answer (with the
 * snippet) and pages with the same words; rename and delete reach the server; ids that are not ids never
 * leave main. `ask` waits for the stored answer; `list` reads a page of the list or of a search.
 */
function historyMain() {
  const main = mainProcess();
  let asked = 0;
  const ask = async (message: string, answer: string): Promise<void> => {
    server.fake!.script({ chunks: [answer] });
    const streamId = `stream-history-${(asked += 1)}`;
    await main.invoke('coach:ask', streamId, { message });
    await main.ended(streamId);
  };
  const list = async (cursor?: string, q?: string): Promise<ConversationsResponse> => {
    const result = await main.invoke<HostResult<ConversationsResponse>>('api:conversations', cursor, q);
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };
  return { invoke: main.invoke, ask, list, stop: main.stop };
}

describe('the history through main', () => {
  it('searches titles and answers, with a snippet for a word in an answer', async () => {
    const main = historyMain();
    await main.invoke('session:sign-in');
    await main.ask('Is SPY a 2-1-2 on the 60?', 'Yes: the inside bar breaks up, a hammer on the daily.');
    await main.ask('What about gold?', 'Gold is a 1, inside the prior range.');

    // The local issuer has one trader: the other tests' conversations may be listed too, after these.
    expect((await main.list()).items.slice(0, 2).map((item) => item.title)).toEqual([
      'What about gold?',
      'Is SPY a 2-1-2 on the 60?',
    ]);
    const found = await main.list(undefined, '  hammer ');
    expect(found.items).toEqual([
      expect.objectContaining({ title: 'Is SPY a 2-1-2 on the 60?', snippet: expect.stringContaining('hammer') }),
    ]);
    expect((await main.list(undefined, 'gold')).items.map((item) => item.title)).toEqual(['What about gold?']);
    expect((await main.list(undefined, 'nothing-like-this')).items).toEqual([]);
    // Blank is no search: every conversation.
    expect(await main.list(undefined, '   ')).toEqual(await main.list());
    main.stop();
  });

  it('renames and deletes on the server; the list shows the new title, then not the conversation', async () => {
    const main = historyMain();
    await main.invoke('session:sign-in');
    await main.ask('First question', 'An answer.');
    const [conversation] = (await main.list()).items;
    if (!conversation) throw new Error('no conversation listed');

    const renamed = await main.invoke<HostResult<ConversationSummary>>(
      'api:rename-conversation',
      conversation.id,
      '  SPY   60m plan ',
    );
    expect(renamed).toMatchObject({ ok: true, value: { id: conversation.id, title: 'SPY 60m plan' } });
    expect((await main.list()).items[0]?.title).toBe('SPY 60m plan');
    expect(await main.invoke('api:rename-conversation', conversation.id, '   ')).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', status: 400 },
    });

    expect(await main.invoke('api:delete-conversation', conversation.id)).toEqual({ ok: true, value: undefined });
    expect((await main.list()).items.map((item) => item.id)).not.toContain(conversation.id);
    expect(await main.invoke('api:delete-conversation', conversation.id)).toMatchObject({
      ok: false,
      error: { code: 'not_found', status: 404 },
    });
    main.stop();
  });

  it('refuses ids, cursors and words that could not be ours before they reach the server', async () => {
    const main = historyMain();
    await main.invoke('session:sign-in');
    const refused = { ok: false, error: { code: 'invalid_request', status: null } };
    expect(await main.invoke('api:rename-conversation', '../usage/current', 'x')).toMatchObject(refused);
    expect(await main.invoke('api:rename-conversation', '00000000-0000-4000-8000-000000000000', 42)).toMatchObject(
      refused,
    );
    expect(await main.invoke('api:delete-conversation', '../usage/current')).toMatchObject(refused);
    expect(await main.invoke('api:conversations', 'not-a-cursor')).toMatchObject(refused);
    expect(await main.invoke('api:conversations', undefined, 'x'.repeat(5000))).toMatchObject(refused);
    // A word the server refuses (too long for a search) is its to explain.
    expect(await main.invoke('api:conversations', undefined, 'x'.repeat(201))).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', status: 400 },
    });
    main.stop();
  });
});

describe('Upgrade and Manage plan', () => {
  it('open Stripe Checkout and the Customer Portal in the system browser; the renderer gets no URL', async () => {
    const stripe = await startFakeStripe();
    const billed = await startTestServer({ fakeUpstream: true, env: stripe.env, tweak: stripeApi(stripe) });
    onTestFinished(async () => {
      await billed.close();
      await stripe.close();
    });
    const main = mainProcess(billed);
    await main.invoke('session:sign-in');
    // Never upgraded: the portal has nothing to manage, and says so.
    expect(await main.invoke('api:open-billing', { kind: 'portal' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });

    expect(await main.invoke('api:open-billing', { kind: 'checkout', tier: 'pro' })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(main.opened).toEqual([expect.stringMatching(/^https:\/\/checkout\.stripe\.test\/c\/cs_test_/)]);
    expect(stripe.requests.at(-1)?.params).toMatchObject({
      mode: 'subscription',
      line_items: [{ price: 'price_pro' }],
    });

    expect(await main.invoke('api:open-billing', { kind: 'checkout', tier: 'free' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(main.opened).toHaveLength(1);

    // Back in the window before Stripe's event has reached the server: the plan is read at once (still free) …
    const session = stripe.requests.find((r) => r.path === '/v1/checkout/sessions')?.params;
    const subject = session?.client_reference_id as string;
    main.back();
    await vi.waitFor(() => expect(main.usagePushes().at(-1)?.tier).toBe('free'));
    expect(main.views.at(-1)).toMatchObject({ plan: 'Free plan' });
    // … and read again seconds later, once it has: the window and the tray show the Pro plan.
    const paid = subscription({
      // The customer the Checkout was made for: an event naming the trader from another customer is ignored.
      customer: session?.customer as string,
      price: 'price_pro',
      periodStart: new Date(Math.floor(Date.now() / 1000 - 60) * 1000),
      metadata: { strat_coach_subject: subject },
    });
    const delivered = await deliverEvent(billed.app, stripeEvent('customer.subscription.created', paid), stripe);
    expect(delivered.statusCode).toBe(200);
    await vi.waitFor(() => expect(main.usagePushes().at(-1)?.tier).toBe('pro'), { timeout: 8_000 });
    expect(main.views.at(-1)).toMatchObject({
      plan: 'Pro plan',
      tooltip: expect.stringMatching(/^Strat Coach — Pro plan\n/),
    });

    // Manage plan now opens the Customer Portal.
    expect(await main.invoke('api:open-billing', { kind: 'portal' })).toEqual({ ok: true, value: undefined });
    expect(main.opened.at(-1)).toMatch(/^https:\/\/billing\.stripe\.test\/p\//);
  });

  it('a server without billing answers billing_unconfigured and nothing opens', async () => {
    const main = mainProcess();
    await main.invoke('session:sign-in');
    expect(await main.invoke('api:open-billing', { kind: 'checkout', tier: 'pro' })).toMatchObject({
      ok: false,
      error: { code: 'billing_unconfigured' },
    });
    expect(main.opened).toEqual([]);
  });
});

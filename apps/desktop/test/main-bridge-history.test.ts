// The history's host API on main's side, against the real server (PGlite) and the fake upstream, called the
// way the preload calls it: a search finds a conversation by a word of its answer (with the snippet) and
// pages with the same words; rename and delete reach the server; ids that are not ids never leave main.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@strat-coach/server/testing';
import type { ConversationsResponse, ConversationSummary } from '@strat-coach/server/contract';
import type { HostResult } from '../src/shared/host-api';
import { createSessionClient } from '../src/shared/auth/session-client';
import { createMainAuthSession } from '../src/main/auth/session';
import { createAppUrlPolicy } from '../src/main/app-url';
import { registerCoachHandlers, type BridgeDeps } from '../src/main/bridge';
import { createCoachStreams } from '../src/main/coach-streams';
import { createIpcRouter, type FrameLike, type InvokeListener } from '../src/main/ipc-router';
import { silentLogger } from '../src/main/log';
import { fakeBrowser, memoryStore } from './support/main-browser';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ fakeUpstream: true });
});
afterAll(async () => {
  await server.close();
});

const appFrame: FrameLike = { url: 'app://strat-coach/index.html', processId: 1, frameToken: 'coach' };

/** Main as index.ts wires it, minus Electron and the meter; `ask` waits for the stored answer. */
function mainProcess() {
  const session = createMainAuthSession({
    serverUrl: server.url,
    openExternal: fakeBrowser().openExternal,
    store: memoryStore(),
    log: silentLogger,
  });
  const client = createSessionClient({ baseUrl: server.url, session });
  const ended = new Map<string, () => void>();
  const streams = createCoachStreams({ client, log: silentLogger, onFinished: () => undefined });
  const listeners = new Map<string, InvokeListener>();
  const router = createIpcRouter({
    register: (channel, listener) => listeners.set(channel, listener),
    coachFrame: () => appFrame,
    cropFrame: () => null,
    isAppUrl: createAppUrlPolicy().isAppUrl,
    log: silentLogger,
  });
  const renderer = {
    send: (_channel: string, message: unknown) => {
      const { streamId, kind } = message as { streamId: string; kind: string };
      if (kind === 'end') ended.get(streamId)?.();
    },
    isDestroyed: () => false,
  };
  const stopPushing = registerCoachHandlers({
    router,
    session,
    client,
    streams,
    capture: {} as BridgeDeps['capture'],
    settings: {} as BridgeDeps['settings'],
    push: () => undefined,
  });
  const invoke = <T>(channel: string, ...args: unknown[]) =>
    listeners.get(channel)!({ senderFrame: appFrame, sender: renderer }, ...args) as Promise<T>;
  let asked = 0;
  const ask = async (message: string, answer: string): Promise<void> => {
    server.fake!.script({ chunks: [answer] });
    const streamId = `stream-history-${(asked += 1)}`;
    const done = new Promise<void>((resolve) => ended.set(streamId, resolve));
    await invoke('coach:ask', streamId, { message });
    await done;
  };
  const list = async (cursor?: string, q?: string): Promise<ConversationsResponse> => {
    const result = await invoke<HostResult<ConversationsResponse>>('api:conversations', cursor, q);
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };
  return { invoke, ask, list, stop: stopPushing };
}

describe('the history through main', () => {
  it('searches titles and answers, with a snippet for a word in an answer', async () => {
    const main = mainProcess();
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
    const main = mainProcess();
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
    const main = mainProcess();
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

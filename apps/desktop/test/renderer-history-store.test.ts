// The history store against a scripted host whose list answers when the test says: a search that answers
// after the trader typed on is dropped, Load more continues the same search, rename and delete change the list
// in place, deleting the open conversation starts a new one, and an answer's end reads the list again with the
// search kept. Also how the panel words a row's time and marks the searched words.
import type { ConversationsResponse, ConversationSummary } from '@strat-coach/server/contract';
import { beforeEach, describe, expect, it } from 'vitest';
import { useConversationStore } from '../src/renderer/src/state/conversation-store';
import { deleteConversation } from '../src/renderer/src/state/delete-conversation';
import { useHistoryStore } from '../src/renderer/src/state/history-store';
import { formatListedAt, markWords, searchWords } from '../src/renderer/src/ui/history-text';
import type { HostError, HostResult } from '../src/shared/host-api';
import { contentDelta, streamComplete, streamStart } from './support/coach-events';
import { QUOTA, useScriptedHost } from './support/scripted-host';

const summary = (id: string, title: string, snippet?: string): ConversationSummary => ({
  id,
  title,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  ...(snippet ? { snippet } : {}),
});

const page = (items: ConversationSummary[], nextCursor: string | null = null): HostResult<ConversationsResponse> => ({
  ok: true,
  value: { items, nextCursor },
});

/** Each list read waits until the test answers it. */
interface Read {
  cursor: string | undefined;
  q: string | undefined;
  answer(result: HostResult<ConversationsResponse>): Promise<void>;
}

const store = () => useHistoryStore.getState();
const host = useScriptedHost();
let reads: Read[];
let renamed: Array<{ id: string; title: string }>;
let deleteResult: HostResult<void>;

beforeEach(() => {
  reads = [];
  renamed = [];
  deleteResult = { ok: true, value: undefined };
  const { api } = host().host;
  api.conversations = (cursor, q) =>
    new Promise((resolve) => {
      reads.push({
        cursor,
        q,
        answer: async (result) => {
          resolve(result);
          // Let the store's await carry on before the test looks.
          await new Promise((settle) => setTimeout(settle, 0));
        },
      });
    });
  api.renameConversation = async (id, title) => {
    renamed.push({ id, title });
    if (title === 'x'.repeat(121))
      return { ok: false, error: { code: 'invalid_request', message: 'too long', status: 400 } };
    return { ok: true, value: summary(id, title.trim()) };
  };
  api.deleteConversation = async () => deleteResult;
});

describe('the history store', () => {
  it('searches on the server and drops a search that answers after a newer one', async () => {
    const first = store().search('ham');
    const second = store().search('  hammer ');
    expect(reads.map((read) => read.q)).toEqual(['ham', 'hammer']);

    await reads[1]!.answer(page([summary('c-1', 'SPY 60m', 'a hammer on the daily')]));
    await reads[0]!.answer(page([summary('c-2', 'Gold'), summary('c-1', 'SPY 60m')]));
    await Promise.all([first, second]);
    expect(store().items.map((item) => item.id)).toEqual(['c-1']);
    expect(store().items[0]?.snippet).toBe('a hammer on the daily');
    expect(store().status).toBe('ready');

    // Blank is every conversation; the same words again (spaces aside) ask nothing more.
    void store().search('hammer');
    expect(reads).toHaveLength(2);
    void store().search('   ');
    expect(reads.at(-1)?.q).toBeUndefined();
  });

  it('Load more pages the same search by its cursor, lists each once, and drops a page of an older list', async () => {
    void store().search('2-1-2');
    await reads[0]!.answer(page([summary('c-1', 'A'), summary('c-2', 'B')], 'c-2'));
    void store().loadMore();
    void store().loadMore();
    expect(reads.slice(1)).toMatchObject([{ cursor: 'c-2', q: '2-1-2' }]);
    await reads[1]!.answer(page([summary('c-2', 'B'), summary('c-3', 'C')], null));
    expect(store().items.map((item) => item.id)).toEqual(['c-1', 'c-2', 'c-3']);
    expect(store().nextCursor).toBeNull();

    void store().search('gold');
    await reads[2]!.answer(page([summary('c-9', 'Gold')], 'c-9'));
    void store().loadMore();
    void store().search('silver');
    await reads[3]!.answer(page([summary('c-10', 'Gold 2')]));
    expect(store().items.map((item) => item.id)).toEqual(['c-9']);
  });

  it('renames in place, keeping the place and the snippet; a refused title changes nothing', async () => {
    void store().search('hammer');
    await reads[0]!.answer(page([summary('c-1', 'Old', 'a hammer'), summary('c-2', 'Other')]));

    expect(await store().rename('c-1', '  SPY plan  ')).toBeNull();
    expect(store().items).toMatchObject([{ id: 'c-1', title: 'SPY plan', snippet: 'a hammer' }, { id: 'c-2' }]);
    const refused = await store().rename('c-2', 'x'.repeat(121));
    expect(refused).toMatchObject<Partial<HostError>>({ code: 'invalid_request' });
    expect(store().items[1]?.title).toBe('Other');
  });

  it('deleting the open conversation starts a new one; a failed delete keeps it; one already gone goes', async () => {
    void store().refresh();
    await reads[0]!.answer(page([summary('c-1', 'Open'), summary('c-2', 'Other'), summary('c-3', 'Third')]));
    useConversationStore.setState({ currentId: 'c-1', history: [], historyStatus: 'ready' });

    deleteResult = { ok: false, error: { code: 'offline', message: 'x', status: null } };
    expect(await deleteConversation('c-1')).toMatchObject({ code: 'offline' });
    expect(store().items).toHaveLength(3);
    expect(useConversationStore.getState().currentId).toBe('c-1');

    deleteResult = { ok: true, value: undefined };
    expect(await deleteConversation('c-1')).toBeNull();
    expect(store().items.map((item) => item.id)).toEqual(['c-2', 'c-3']);
    expect(useConversationStore.getState().currentId).toBeNull();

    // Another conversation than the open one: the open one stays.
    useConversationStore.setState({ currentId: 'c-3' });
    deleteResult = { ok: false, error: { code: 'not_found', message: 'x', status: 404 } };
    expect(await deleteConversation('c-2')).toBeNull();
    expect(store().items.map((item) => item.id)).toEqual(['c-3']);
    expect(useConversationStore.getState().currentId).toBe('c-3');
  });

  it('after an answer, the list is read again for the search on screen', async () => {
    void store().search('hammer');
    await reads[0]!.answer(page([]));
    useConversationStore.getState().setDraft('Is this a hammer?');
    useConversationStore.getState().ask();
    const answer = host().asked[0]!;
    answer.send(streamStart('c-1'));
    answer.send(contentDelta('Yes.'));
    answer.send(streamComplete(QUOTA));
    expect(reads.at(-1)).toMatchObject({ cursor: undefined, q: 'hammer' });
  });
});

describe('how a row reads', () => {
  const now = new Date(2026, 10, 30, 9, 0);

  it('always a day and a time', () => {
    expect(formatListedAt(new Date(2026, 10, 30, 8, 5).toISOString(), now)).toBe('Today 08:05');
    expect(formatListedAt(new Date(2026, 10, 29, 23, 59).toISOString(), now)).toBe('Yesterday 23:59');
    expect(formatListedAt(new Date(2026, 10, 23, 14, 5).toISOString(), now)).toBe('Mon 23 Nov 14:05');
    expect(formatListedAt(new Date(2025, 11, 31, 16, 0).toISOString(), now)).toBe('31 Dec 2025 16:00');
  });

  it('marks the searched words and the longer words they start, not the operators', () => {
    expect(searchWords('"hammer" or -gold 2-1-2')).toEqual(['hammer', '2-1-2']);
    expect(markWords('Two hammers; a sledgehammer and a 2-1-2.', 'hammer 2-1-2')).toEqual([
      { text: 'Two ', match: false },
      { text: 'hammers', match: true },
      { text: '; a sledgehammer and a ', match: false },
      { text: '2-1-2', match: true },
      { text: '.', match: false },
    ]);
    expect(markWords('No words', '')).toEqual([{ text: 'No words', match: false }]);
  });
});

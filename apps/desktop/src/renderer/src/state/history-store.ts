// The trader's conversations as the history panel lists them: newest first, a page at a time, searched on the
// server when there are words in the search box, renamed and deleted in place.
import type { ConversationSummary } from '@strat-coach/server/contract';
import { create } from 'zustand';
import { host } from '../host';
import type { HostError } from '../shared';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface HistoryState {
  items: ConversationSummary[];
  /** Where the next page starts; null when the list (or the search's results) is complete. */
  nextCursor: string | null;
  status: LoadStatus;
  moreStatus: LoadStatus;
  /** The words the list is searched for, as typed; blank lists every conversation. */
  query: string;
}

interface HistoryActions {
  /** The first page again, for the current search: after sign-in and after each answer. */
  refresh: () => Promise<void>;
  /** Searches for these words (blank: every conversation) from the first page. */
  search: (query: string) => Promise<void>;
  /** The next page of the same list or search. */
  loadMore: () => Promise<void>;
  /** Null when the server took the new title; else why not, in the contract's words. */
  rename: (id: string, title: string) => Promise<HostError | null>;
  remove: (id: string) => Promise<HostError | null>;
  reset: () => void;
}

const initial: HistoryState = { items: [], nextCursor: null, status: 'idle', moreStatus: 'idle', query: '' };

// Each first-page read gets a number: a page that answers after the trader typed on (or after a newer read)
// is dropped, and so is a later page of a list that has since been read again.
let reads = 0;

export const useHistoryStore = create<HistoryState & HistoryActions>()((set, get) => ({
  ...initial,

  async refresh() {
    const read = ++reads;
    const { query } = get();
    set({ status: 'loading', moreStatus: 'idle' });
    const result = await host().api.conversations(undefined, query.trim() || undefined);
    if (read !== reads) return;
    if (!result.ok) return set({ status: 'error' });
    set({ items: result.value.items, nextCursor: result.value.nextCursor, status: 'ready' });
  },

  async search(query) {
    if (query.trim() === get().query.trim()) return set({ query });
    set({ query });
    await get().refresh();
  },

  async loadMore() {
    const { nextCursor, moreStatus, query } = get();
    if (!nextCursor || moreStatus === 'loading') return;
    const read = reads;
    set({ moreStatus: 'loading' });
    const result = await host().api.conversations(nextCursor, query.trim() || undefined);
    if (read !== reads) return;
    if (!result.ok) return set({ moreStatus: 'error' });
    // A conversation active since the first page moved up; it is not listed twice.
    const shown = new Set(get().items.map((item) => item.id));
    set({
      items: [...get().items, ...result.value.items.filter((item) => !shown.has(item.id))],
      nextCursor: result.value.nextCursor,
      moreStatus: 'ready',
    });
  },

  async rename(id, title) {
    const result = await host().api.renameConversation(id, title);
    if (!result.ok) return result.error;
    const renamed = result.value;
    // Its place in the list stays (a rename is not activity); a search's snippet stays with it.
    set({ items: get().items.map((item) => (item.id === id ? { ...item, title: renamed.title } : item)) });
    return null;
  },

  async remove(id) {
    const result = await host().api.deleteConversation(id);
    // Already gone (deleted in another window): the list forgets it all the same.
    if (!result.ok && result.error.code !== 'not_found') return result.error;
    set({ items: get().items.filter((item) => item.id !== id) });
    return null;
  },

  reset() {
    reads += 1;
    set(initial);
  },
}));

// The history: past conversations, newest first, searched on the server as the trader types. Open one to read
// and continue it, rename or delete it, or start a new one. Keyboard: focus starts in the search box, ↑ ↓ move
// through the conversations, Enter opens, F2 renames, Delete deletes, Esc closes and gives focus back.
import { useEffect, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import type { HostError } from '../shared';
import { useConversationStore } from '../state/conversation-store';
import { deleteConversation } from '../state/delete-conversation';
import { useHistoryStore } from '../state/history-store';
import { QUESTION_ID } from './Composer';
import { HistoryItem, type ItemMode } from './HistoryItem';
import './history.css';

/** Typing pauses this long before the server is asked: one search per word, not per key. */
const SEARCH_DELAY_MS = 250;

const ROW = '[data-conversation-id]';

/** Why a rename or delete did not happen, in the trader's words. */
function problemWith(action: 'rename' | 'delete', error: HostError): string {
  if (error.code === 'offline') return `Not ${action}d: the coach server cannot be reached. Try again.`;
  if (error.code === 'not_found') return 'This conversation is no longer there (deleted elsewhere?).';
  if (action === 'rename' && error.code === 'invalid_request') return 'A title is 1 to 120 characters on one line.';
  return `Not ${action}d: ${error.message}`;
}

function useSearchBox() {
  const query = useHistoryStore((state) => state.query);
  const [text, setText] = useState(query);
  useEffect(() => {
    if (text === useHistoryStore.getState().query) return;
    const timer = setTimeout(() => void useHistoryStore.getState().search(text), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);
  return {
    text,
    setText,
    /** Now, without waiting for the pause (Enter, Clear). */
    searchNow: (words: string) => {
      setText(words);
      void useHistoryStore.getState().search(words);
    },
  };
}

/** What the list shows, said once for screen readers too: searching, what a search found, an empty list. */
function StatusLine({ announcement }: { announcement: string }) {
  const count = useHistoryStore((state) => state.items.length);
  const status = useHistoryStore((state) => state.status);
  const more = useHistoryStore((state) => state.nextCursor !== null);
  const query = useHistoryStore((state) => state.query.trim());
  let line = announcement;
  if (!line && status === 'loading') line = query ? 'Searching…' : count === 0 ? 'Loading…' : '';
  else if (!line && status === 'ready' && query)
    line = count === 0 ? `No conversations match “${query}”.` : `${count}${more ? '+' : ''} found`;
  else if (!line && status === 'ready' && count === 0) line = 'No conversations yet. Each question you ask starts one.';
  return (
    <p className="history-status" role="status">
      {line}
    </p>
  );
}

interface HistoryPanelProps {
  /** Esc, the close button, opening a conversation or New: the panel goes (docked: back to the question box). */
  onClose: () => void;
  /** The search box takes focus as the panel opens (when History opened it, not when the window starts). */
  focusOnOpen?: boolean;
  /** The wide window's sidebar, always there: no close button, and Esc goes back to the question box. */
  docked?: boolean;
}

export function HistoryPanel({ onClose, focusOnOpen = true, docked = false }: HistoryPanelProps) {
  const items = useHistoryStore((state) => state.items);
  const status = useHistoryStore((state) => state.status);
  const moreStatus = useHistoryStore((state) => state.moreStatus);
  const nextCursor = useHistoryStore((state) => state.nextCursor);
  const query = useHistoryStore((state) => state.query);
  const currentId = useConversationStore((state) => state.currentId);
  const { text, setText, searchNow } = useSearchBox();
  const [activeId, setActiveId] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ id: string; mode: ItemMode } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const searchBox = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  /** A row to focus once it is drawn (after a rename, a delete, a page). */
  const focusNext = useRef<string | null>(null);

  const active =
    items.find((item) => item.id === activeId)?.id ?? items.find((item) => item.id === currentId)?.id ?? items[0]?.id;

  const focusRow = (id: string | undefined): void => {
    const row = id ? list.current?.querySelector<HTMLElement>(`li[data-conversation-id="${id}"] .history-open`) : null;
    if (row) row.focus();
    else searchBox.current?.focus();
  };

  // Only as it opens: a docked panel that becomes a floating one on a resize does not take focus from an edit.
  const focusAtOpen = useRef(focusOnOpen);
  useEffect(() => {
    // Whatever opened the panel gets focus back when Esc closes it (the History button, as a rule).
    if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body)
      opener.current = document.activeElement;
    if (focusAtOpen.current) searchBox.current?.focus();
  }, []);

  useEffect(() => {
    if (focusNext.current === null) return;
    focusRow(focusNext.current || undefined);
    focusNext.current = null;
  });

  const close = (): void => {
    if (docked) return onClose();
    const back = opener.current?.isConnected
      ? opener.current
      : document.querySelector<HTMLElement>('[aria-controls="history"]');
    back?.focus();
    onClose();
  };

  const toQuestion = (): void => {
    document.getElementById(QUESTION_ID)?.focus();
    onClose();
  };

  const open = (id: string): void => {
    void useConversationStore.getState().openConversation(id);
    toQuestion();
  };

  const setMode = (id: string, mode: ItemMode): void => {
    setAnnouncement('');
    setEditing(mode === 'view' ? null : { id, mode });
    if (mode === 'view') focusNext.current = id;
  };

  const rename = async (id: string, title: string): Promise<string | null> => {
    const error = await useHistoryStore.getState().rename(id, title);
    if (error) return problemWith('rename', error);
    setMode(id, 'view');
    return null;
  };

  const remove = async (id: string): Promise<string | null> => {
    const ids = items.map((item) => item.id);
    const at = ids.indexOf(id);
    const title = items[at]?.title ?? '';
    const error = await deleteConversation(id);
    if (error) return problemWith('delete', error);
    setEditing(null);
    setAnnouncement(`Deleted “${title}”.`);
    // The next conversation down takes its place under the keys (or the one above; else the search box).
    focusNext.current = ids[at + 1] ?? ids[at - 1] ?? '';
    setActiveId(focusNext.current || null);
    return null;
  };

  const loadMore = async (): Promise<void> => {
    const shown = items.length;
    await useHistoryStore.getState().loadMore();
    const first = useHistoryStore.getState().items[shown];
    if (!first) return;
    focusNext.current = first.id;
    setActiveId(first.id);
  };

  const panelKeys = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    // Never the window's Esc too: that would stop an answer being written.
    event.stopPropagation();
    if (event.target === searchBox.current && text !== '') searchNow('');
    else close();
  };

  const listKeys = (event: KeyboardEvent<HTMLUListElement>): void => {
    const row = (event.target as HTMLElement).closest<HTMLElement>(ROW);
    const id = row?.dataset.conversationId;
    if (!id || editing?.id === id) return;
    const ids = items.map((item) => item.id);
    const at = ids.indexOf(id);
    const to: Partial<Record<string, string | undefined>> = {
      ArrowDown: ids[at + 1],
      ArrowUp: at === 0 ? '' : ids[at - 1],
      Home: ids[0],
      End: ids.at(-1),
    };
    if (event.key in to) {
      event.preventDefault();
      const next = to[event.key];
      if (next === undefined) return;
      if (next) setActiveId(next);
      focusRow(next || undefined);
    } else if (event.key === 'F2') {
      event.preventDefault();
      setMode(id, 'rename');
    } else if (event.key === 'Delete') {
      event.preventDefault();
      setMode(id, 'confirm-delete');
    }
  };

  const rowFocused = (event: FocusEvent<HTMLUListElement>): void => {
    const id = (event.target as HTMLElement).closest<HTMLElement>(ROW)?.dataset.conversationId;
    if (id) setActiveId(id);
  };

  return (
    <aside
      id="history"
      className="history"
      aria-label="Conversations"
      data-testid="history-panel"
      onKeyDown={panelKeys}
    >
      <div className="history-head">
        <h2>Conversations</h2>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            useConversationStore.getState().startNew();
            toQuestion();
          }}
        >
          New
        </button>
        {!docked && (
          <button type="button" className="icon-button" aria-label="Close conversations" onClick={close}>
            ×
          </button>
        )}
      </div>
      <div className="history-search" role="search">
        <input
          ref={searchBox}
          type="search"
          aria-label="Search conversations"
          placeholder="Search titles and answers"
          value={text}
          maxLength={200}
          onChange={(event) => {
            setAnnouncement('');
            setText(event.target.value);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') searchNow(text);
            if (event.key === 'ArrowDown' && items.length > 0) {
              event.preventDefault();
              focusRow(active);
            }
          }}
        />
        {text !== '' && (
          <button
            type="button"
            aria-label="Clear search"
            onClick={() => {
              searchNow('');
              searchBox.current?.focus();
            }}
          >
            Clear
          </button>
        )}
      </div>
      <StatusLine announcement={announcement} />
      {status === 'error' && (
        <p className="status status-error">
          The conversations could not be loaded.
          <button type="button" onClick={() => void useHistoryStore.getState().refresh()}>
            Try again
          </button>
        </p>
      )}
      <ul ref={list} aria-busy={status === 'loading'} onKeyDown={listKeys} onFocus={rowFocused}>
        {items.map((conversation) => (
          <HistoryItem
            key={conversation.id}
            conversation={conversation}
            query={query}
            current={conversation.id === currentId}
            active={conversation.id === active}
            mode={editing?.id === conversation.id ? editing.mode : 'view'}
            onOpen={() => open(conversation.id)}
            onMode={(mode) => setMode(conversation.id, mode)}
            onRename={(title) => rename(conversation.id, title)}
            onDelete={() => remove(conversation.id)}
          />
        ))}
      </ul>
      {nextCursor && (
        <button
          type="button"
          className="history-more"
          disabled={moreStatus === 'loading'}
          onClick={() => void loadMore()}
        >
          {moreStatus === 'loading' ? 'Loading…' : 'Load more'}
        </button>
      )}
      {moreStatus === 'error' && <p className="status status-error">More could not be loaded. Try again.</p>}
      {items.length > 0 && (
        <p className="history-keys">
          ↑ ↓ move · Enter opens · F2 renames · Del deletes · Esc {docked ? 'back to the question' : 'closes'}
        </p>
      )}
    </aside>
  );
}

// One conversation in the history panel: its title (one line, an ellipsis), when, and for a search the words
// around what matched; Rename turns the title into a box (Enter saves, Esc cancels), Delete asks first.
import type { ConversationSummary } from '@strat-coach/server/contract';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_TITLE_CHARS } from '@strat-coach/server/contract';
import { formatFullDate, formatListedAt, markWords } from './history-text';

export type ItemMode = 'view' | 'rename' | 'confirm-delete';

interface HistoryItemProps {
  conversation: ConversationSummary;
  query: string;
  current: boolean;
  /** The row the arrow keys are on: its buttons are in the tab order, the other rows' are not. */
  active: boolean;
  mode: ItemMode;
  onOpen: () => void;
  onMode: (mode: ItemMode) => void;
  /** Null when saved or deleted; else the sentence to show. */
  onRename: (title: string) => Promise<string | null>;
  onDelete: () => Promise<string | null>;
}

function PencilIcon() {
  return (
    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        d="M11.3 2.3a1 1 0 0 1 1.4 0l1 1a1 1 0 0 1 0 1.4L6 12.4 3 13l.6-3z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function BinIcon() {
  return (
    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function RenameBox({
  title,
  onSave,
  onCancel,
}: {
  title: string;
  onSave: (title: string) => Promise<string | null>;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(title);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // Enter or Esc decided it: the blur that follows as the box goes away decides nothing more.
  const decided = useRef(false);
  const errorId = useId();
  useEffect(() => input.current?.select(), []);

  const save = async (): Promise<void> => {
    const next = value.trim();
    if (next === title) return onCancel();
    if (next === '') {
      setError('A title needs at least one character.');
      return;
    }
    decided.current = true;
    setSaving(true);
    const problem = await onSave(next);
    setSaving(false);
    if (problem === null) return;
    decided.current = false;
    setError(problem);
    input.current?.focus();
  };

  const keyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      // The panel's Esc closes the panel; here it only ends the rename.
      event.stopPropagation();
      decided.current = true;
      onCancel();
    }
  };

  return (
    <div className="history-rename">
      <input
        ref={input}
        type="text"
        aria-label="Conversation title"
        value={value}
        maxLength={MAX_TITLE_CHARS}
        readOnly={saving}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => {
          setValue(event.target.value);
          setError(null);
        }}
        onKeyDown={keyDown}
        onBlur={() => {
          if (!decided.current && !error) void save();
        }}
      />
      {error ? (
        <p id={errorId} className="history-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="history-hint">{saving ? 'Saving…' : 'Enter saves · Esc cancels'}</p>
      )}
    </div>
  );
}

function DeleteConfirm({
  title,
  onDelete,
  onCancel,
}: {
  title: string;
  onDelete: () => Promise<string | null>;
  onCancel: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  // The safe choice has focus: Enter right after Delete keeps the conversation.
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      className="history-confirm"
      role="group"
      aria-label="Delete conversation"
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.stopPropagation();
        onCancel();
      }}
    >
      <p>
        Delete <strong className="history-confirm-title">“{title}”</strong>? Its questions, answers and charts go for
        good.
      </p>
      {error && (
        <p className="history-error" role="alert">
          {error}
        </p>
      )}
      <div className="history-confirm-buttons">
        <button
          type="button"
          className="danger"
          disabled={deleting}
          onClick={() => {
            setDeleting(true);
            void onDelete().then((problem) => {
              if (problem === null) return;
              setDeleting(false);
              setError(problem);
            });
          }}
        >
          {deleting ? 'Deleting…' : 'Delete'}
        </button>
        <button ref={cancel} type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export function HistoryItem(props: HistoryItemProps) {
  const { conversation, query, current, active, mode, onMode } = props;
  const titleId = `history-title-${conversation.id}`;
  const tabIndex = active ? 0 : -1;
  const className = ['history-item', current ? 'current' : '', active ? 'active' : ''].filter(Boolean).join(' ');

  if (mode === 'rename') {
    return (
      <li className={className} data-conversation-id={conversation.id}>
        <RenameBox title={conversation.title} onSave={props.onRename} onCancel={() => onMode('view')} />
      </li>
    );
  }
  if (mode === 'confirm-delete') {
    return (
      <li className={className} data-conversation-id={conversation.id}>
        <DeleteConfirm title={conversation.title} onDelete={props.onDelete} onCancel={() => onMode('view')} />
      </li>
    );
  }
  return (
    <li className={className} data-conversation-id={conversation.id}>
      <button
        type="button"
        className="history-open"
        tabIndex={tabIndex}
        aria-current={current ? 'true' : undefined}
        onClick={props.onOpen}
      >
        <span id={titleId} className="history-title" title={conversation.title}>
          {conversation.title}
        </span>
        <time className="history-when" dateTime={conversation.updatedAt} title={formatFullDate(conversation.updatedAt)}>
          {formatListedAt(conversation.updatedAt)}
        </time>
        {conversation.snippet && (
          <span className="history-snippet">
            {markWords(conversation.snippet, query).map((part, n) =>
              part.match ? <mark key={n}>{part.text}</mark> : <span key={n}>{part.text}</span>,
            )}
          </span>
        )}
      </button>
      <div className="history-actions">
        <button
          type="button"
          className="icon-button"
          aria-label="Rename"
          aria-describedby={titleId}
          title="Rename (F2)"
          tabIndex={tabIndex}
          onClick={() => onMode('rename')}
        >
          <PencilIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Delete"
          aria-describedby={titleId}
          title="Delete (Del)"
          tabIndex={tabIndex}
          onClick={() => onMode('confirm-delete')}
        >
          <BinIcon />
        </button>
      </div>
    </li>
  );
}

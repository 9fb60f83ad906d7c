// Past conversations, newest first: open one to read its history and continue it, or start a new one.
import { formatWhen } from '../lib/format';
import { useConversationStore } from '../state/conversation-store';
import { useHistoryStore } from '../state/history-store';

export function HistoryPanel({ onClose }: { onClose: () => void }) {
  const conversations = useHistoryStore((state) => state.items);
  const listStatus = useHistoryStore((state) => state.status);
  const currentId = useConversationStore((state) => state.currentId);
  const nextCursor = useHistoryStore((state) => state.nextCursor);
  const { openConversation, startNew } = useConversationStore.getState();
  const loadMoreConversations = useHistoryStore.getState().loadMore;

  const open = (id: string): void => {
    void openConversation(id);
    onClose();
  };

  return (
    <aside id="history" className="history" aria-label="Conversations" data-testid="history-panel">
      <div className="history-head">
        <h2>Conversations</h2>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            startNew();
            onClose();
          }}
        >
          New
        </button>
        <button type="button" className="icon-button" aria-label="Close conversations" onClick={onClose}>
          ×
        </button>
      </div>
      {listStatus === 'error' && <p className="status status-error">The conversations could not be loaded.</p>}
      {listStatus !== 'loading' && conversations.length === 0 && <p className="status">No conversations yet.</p>}
      <ul>
        {conversations.map((conversation) => (
          <li key={conversation.id}>
            <button
              type="button"
              className={conversation.id === currentId ? 'conversation current' : 'conversation'}
              aria-current={conversation.id === currentId ? 'true' : undefined}
              onClick={() => open(conversation.id)}
            >
              <span className="conversation-title">{conversation.title}</span>
              <span className="conversation-when">{formatWhen(conversation.updatedAt)}</span>
            </button>
          </li>
        ))}
      </ul>
      {nextCursor && (
        <button type="button" className="link-button" onClick={() => void loadMoreConversations()}>
          Older conversations
        </button>
      )}
    </aside>
  );
}

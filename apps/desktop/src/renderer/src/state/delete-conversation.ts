// Deleting a conversation from the history: the list forgets it, and if it was the open one the window
// starts a new conversation (its history is gone from the server, so there is nothing left to continue).
import type { HostError } from '../shared';
import { useConversationStore } from './conversation-store';
import { useHistoryStore } from './history-store';

/** Null once it is deleted; else why not (the conversation stays, open if it was). */
export async function deleteConversation(id: string): Promise<HostError | null> {
  const error = await useHistoryStore.getState().remove(id);
  if (error) return error;
  if (useConversationStore.getState().currentId === id) useConversationStore.getState().startNew();
  return null;
}

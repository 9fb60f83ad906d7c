// Which conversation this window has open, kept in the window's sessionStorage (the tab's on the web, the window's in
// Electron): a reload opens it again, where it landed on an empty "Ask about a chart". Not the trader's data: a
// sign-out forgets it, and a conversation gone meanwhile is simply not reopened.
const KEY = 'strat-coach:open-conversation';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** sessionStorage, or null where the browser blocks it (reading the property itself can throw). */
function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** The conversation this window had open before it was reloaded; null if none (or anything unreadable). */
export function openConversationBefore(): string | null {
  try {
    const id = storage()?.getItem(KEY) ?? null;
    return id !== null && UUID.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Remembers the open conversation (null: none). Best effort: a window that cannot keep it just does not reopen. */
export function rememberOpenConversation(id: string | null): void {
  try {
    if (id === null) storage()?.removeItem(KEY);
    else storage()?.setItem(KEY, id);
  } catch {
    // Storage full or blocked: nothing to reopen after a reload.
  }
}

// The conversation list's API paths, built one way for main and the web host: a page (searched with `q`), and
// one conversation to rename or delete. Main also checks the arguments here, since they come from a renderer.

/** The server's conversation ids (and list cursors) are UUIDs: anything else never reaches a path. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Far above the server's own limits (200 for a search, 120 for a title), which it checks and explains. */
const MAX_TEXT = 1000;

export const isConversationId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** A search or a title, as far as its shape goes; its content is the server's to judge. */
export const isShortText = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_TEXT;

/**
 * GET /conversations: the first page, or the one after `cursor`; with `q` (trimmed; blank is no search) only
 * the conversations that hold the words.
 */
export function conversationsPath(cursor?: string, q?: string): string {
  const query = new URLSearchParams();
  if (cursor) query.set('cursor', cursor);
  const words = q?.trim();
  if (words) query.set('q', words);
  const search = query.toString();
  return search ? `/conversations?${search}` : '/conversations';
}

/** PATCH or DELETE /conversations/:id. */
export const conversationPath = (id: string): string => `/conversations/${encodeURIComponent(id)}`;

// GET /conversations and /conversations/:id/messages: a user sees only their own history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagesResponse } from '../src/contract/conversations.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

/** `count` messages, user and assistant in turn, written in one statement (as a long conversation's history). */
async function seed(conversationId: string, count: number): Promise<void> {
  await h.database.db.query(
    `INSERT INTO messages (conversation_id, role, content)
     SELECT $1, CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END, 'message ' || n
       FROM generate_series(0, $2::int - 1) AS n ORDER BY n`,
    [conversationId, count],
  );
}

describe('conversations', () => {
  it('lists the user’s conversations and their messages in order', async () => {
    const alice = await h.trader();
    const conversation = await h.test.app.repos.conversations.create(alice.user.id, 'SPY 3-1-2 on the 60m');
    await h.test.app.repos.conversations.addMessage(conversation.id, {
      role: 'user',
      content: 'Is this a valid 3-1-2 up?',
      images: [{ mediaType: 'image/png', bytes: 20_480, width: 1280, height: 720 }],
    });
    await h.test.app.repos.conversations.addMessage(conversation.id, {
      role: 'assistant',
      content: 'Yes, once the 1 is taken out.',
    });

    const list = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: alice.headers });
    expect(list.json()).toEqual({
      items: [
        {
          id: conversation.id,
          title: 'SPY 3-1-2 on the 60m',
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    const messages = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversation.id}/messages`,
      headers: alice.headers,
    });
    expect(messages.statusCode).toBe(200);
    expect(messages.json().nextCursor).toBeNull();
    expect(messages.json().items).toEqual([
      {
        id: expect.any(String),
        role: 'user',
        content: 'Is this a valid 3-1-2 up?',
        images: [{ mediaType: 'image/png', bytes: 20_480, width: 1280, height: 720 }],
        createdAt: expect.any(String),
      },
      {
        id: expect.any(String),
        role: 'assistant',
        content: 'Yes, once the 1 is taken out.',
        images: [],
        createdAt: expect.any(String),
      },
    ]);
  });

  it('user B cannot read user A’s conversation: 404, the same as one that does not exist', async () => {
    const alice = await h.trader();
    const bob = await h.trader();
    const secret = await h.test.app.repos.conversations.create(alice.user.id, 'Alice’s plan');
    await h.test.app.repos.conversations.addMessage(secret.id, { role: 'user', content: 'my entries' });

    const stolen = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${secret.id}/messages`,
      headers: bob.headers,
    });
    const missing = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${crypto.randomUUID()}/messages`,
      headers: bob.headers,
    });
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toEqual(missing.json());
    expect(stolen.body).not.toContain('my entries');
    const bobsList = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: bob.headers });
    expect(bobsList.json()).toEqual({ items: [], nextCursor: null });
    // Bob cannot page with Alice's conversation as a cursor either.
    const cursor = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations?cursor=${secret.id}`,
      headers: bob.headers,
    });
    expect(cursor.statusCode).toBe(400);
  });

  it('pages a long conversation: newest page first, at most a page per request, back to the first message once', async () => {
    const alice = await h.trader();
    const conversation = await h.test.app.repos.conversations.create(alice.user.id, 'A long one');
    await seed(conversation.id, 250);
    const read = (query: string) =>
      h.test.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${conversation.id}/messages${query}`,
        headers: alice.headers,
      });

    for (const limit of [undefined, 100, 7]) {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const params = new URLSearchParams({
          ...(limit ? { limit: String(limit) } : {}),
          ...(cursor ? { cursor } : {}),
        });
        const response = await read(`?${params.toString()}`);
        expect(response.statusCode).toBe(200);
        const page = response.json<MessagesResponse>();
        expect(page.items.length).toBeLessThanOrEqual(limit ?? 50);
        pages.push(page.items.map((item) => item.content));
        cursor = page.nextCursor;
      } while (cursor && pages.length < 100);
      expect(pages).toHaveLength(Math.ceil(250 / (limit ?? 50)));
      // The first page is the newest; pages put back together oldest first are the conversation, each once.
      expect(pages[0]!.at(-1)).toBe('message 249');
      expect(pages.reverse().flat()).toEqual(Array.from({ length: 250 }, (_, n) => `message ${n}`));
    }
  });

  it('a page size outside 1..100, or a cursor that is not one of the conversation’s messages, is 400', async () => {
    const alice = await h.trader();
    const conversation = await h.test.app.repos.conversations.create(alice.user.id, 'Paged');
    const other = await h.test.app.repos.conversations.create(alice.user.id, 'Another');
    await seed(conversation.id, 3);
    const elsewhere = await h.test.app.repos.conversations.addMessage(other.id, { role: 'user', content: 'x' });
    for (const query of ['limit=0', 'limit=101', 'cursor=42', `cursor=${elsewhere.id}`, `cursor=${other.id}`]) {
      const response = await h.test.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${conversation.id}/messages?${query}`,
        headers: alice.headers,
      });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
    // Another user's conversation is 404 with a cursor too: the cursor is never looked at.
    const bob = await h.trader();
    const stolen = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversation.id}/messages?cursor=${elsewhere.id}`,
      headers: bob.headers,
    });
    expect(stolen.statusCode).toBe(404);
  });

  it('a conversation id that is not a uuid is 400', async () => {
    const alice = await h.trader();
    const response = await h.test.app.inject({
      method: 'GET',
      url: '/api/v1/conversations/42/messages',
      headers: alice.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
  });

  it('requires sign-in', async () => {
    const response = await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('token_missing');
  });
});

// GET /conversations (and its search), /conversations/:id/messages, renaming and deleting: a user sees and
// changes only their own history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationsResponse, MessagesResponse } from '../src/contract/conversations.js';
import { startApiHarness, type ApiHarness, type Trader } from './support/api-harness.js';
import { SEARCHES, seedSearchHistory } from './support/search-cases.js';

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

  it('an id with a urn:uuid: prefix (which the database refuses) is 400 wherever ids go, never 500', async () => {
    const alice = await h.trader();
    const urn = 'urn:uuid:00000000-0000-4000-8000-000000000000';
    const requests = [
      { method: 'GET', url: `/api/v1/conversations/${urn}/messages` },
      { method: 'PATCH', url: `/api/v1/conversations/${urn}`, payload: { title: 'Renamed' } },
      { method: 'DELETE', url: `/api/v1/conversations/${urn}` },
      { method: 'GET', url: `/api/v1/conversations/${urn}/messages/${urn}/charts/0` },
      { method: 'GET', url: `/api/v1/conversations?cursor=${urn}` },
      { method: 'GET', url: `/api/v1/usage/history?cursor=${urn}` },
    ] as const;
    for (const request of requests) {
      const response = await h.test.app.inject({ ...request, headers: alice.headers });
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
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

describe('searching the history: GET /conversations?q=', () => {
  let alice: Trader;
  let ids: Record<string, string>;
  beforeAll(async () => {
    alice = await h.trader();
    ids = await seedSearchHistory(h.test.app.repos.conversations, alice.user.id);
  });
  const keyOf = (id: string) => Object.entries(ids).find(([, value]) => value === id)?.[0] ?? id;
  const search = (trader: Trader, query: Record<string, string>) =>
    h.test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations?${new URLSearchParams(query).toString()}`,
      headers: trader.headers,
    });

  it.each(SEARCHES)('"$q" finds $finds, newest first', async ({ q, finds }) => {
    const response = await search(alice, { q });
    expect(response.statusCode).toBe(200);
    expect(response.json<ConversationsResponse>().items.map((item) => keyOf(item.id))).toEqual(finds);
  });

  it('answers each hit as the list does, with a snippet when a message matched', async () => {
    const page = (await search(alice, { q: '2-1-2' })).json<ConversationsResponse>();
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toEqual({
      id: ids.labelled,
      title: 'SPY 60m · 5m — Is this a 2-1-2?',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(page.items[2]).toEqual({
      id: ids.spy212,
      title: 'Chart question',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      snippet: expect.stringContaining('2-1-2 triggers above the inside bar'),
    });
  });

  it('pages the hits with the cursor, each once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await search(alice, { q: '2-1-2', limit: '1', ...(cursor ? { cursor } : {}) });
      const page = response.json<ConversationsResponse>();
      expect(page.items).toHaveLength(1);
      seen.push(keyOf(page.items[0]!.id));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual(['labelled', 'enDash', 'spy212']);
  });

  it('finds only the trader’s own conversations', async () => {
    const bob = await h.trader();
    await h.test.app.repos.conversations.create(bob.user.id, 'Bob’s SPY hammer');
    const bobs = (await search(bob, { q: 'SPY' })).json<ConversationsResponse>();
    expect(bobs.items.map((item) => item.title)).toEqual(['Bob’s SPY hammer']);
    const alices = (await search(alice, { q: 'Bob' })).json<ConversationsResponse>();
    expect(alices.items).toEqual([]);
    // Another trader's conversation is no cursor for a search either.
    const cursor = await search(bob, { q: 'SPY', cursor: ids.spy212! });
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().error.code).toBe('invalid_request');
  });

  it.each([
    ['empty', '', /q must NOT have fewer than 1 characters/],
    ['blank', '   ', /q must not be blank/],
    ['longer than 200 characters', 'x'.repeat(201), /q must NOT have more than 200 characters/],
    ['a control character', 'SPY\u0000', /q must not contain control characters/],
  ])('a search that is %s is 400 invalid_request saying why', async (_what, q, message) => {
    const response = await search(alice, { q });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) });
  });
});

describe('renaming: PATCH /conversations/:id', () => {
  const rename = (trader: Trader, id: string, body: Record<string, unknown>) =>
    h.test.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: trader.headers, payload: body });
  const list = async (trader: Trader) =>
    (
      await h.test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: trader.headers })
    ).json<ConversationsResponse>().items;

  it('gives the conversation its new title, trimmed to one line, and keeps its place in the history', async () => {
    const alice = await h.trader();
    const older = await h.test.app.repos.conversations.create(alice.user.id, 'Chart question');
    const newer = await h.test.app.repos.conversations.create(alice.user.id, 'Later one');
    const before = await list(alice);

    const response = await rename(alice, older.id, { title: '  SPY   weekly\n plan ' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ...before[1], title: 'SPY weekly plan' });
    expect(await list(alice)).toEqual([before[0], { ...before[1], title: 'SPY weekly plan' }]);
    expect((await list(alice)).map((item) => item.id)).toEqual([newer.id, older.id]);
    const found = await h.test.app.inject({
      method: 'GET',
      url: '/api/v1/conversations?q=weekly',
      headers: alice.headers,
    });
    expect(found.json<ConversationsResponse>().items.map((item) => item.id)).toEqual([older.id]);
  });

  it('another trader’s conversation is 404, the same as one that does not exist, and keeps its title', async () => {
    const alice = await h.trader();
    const bob = await h.trader();
    const secret = await h.test.app.repos.conversations.create(alice.user.id, 'Alice’s plan');
    const stolen = await rename(bob, secret.id, { title: 'Mine now' });
    const missing = await rename(bob, crypto.randomUUID(), { title: 'Mine now' });
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toEqual({ error: { code: 'not_found', message: 'conversation not found' } });
    expect(missing.json()).toEqual(stolen.json());
    expect((await list(alice)).map((item) => item.title)).toEqual(['Alice’s plan']);
  });

  it.each([
    ['blank', { title: ' \n ' }, /title must not be blank/],
    ['longer than 120 characters', { title: 'x'.repeat(121) }, /title must NOT have more than 120 characters/],
    ['a control character', { title: 'SPY\u0007' }, /title must not contain control characters/],
    ['missing', {}, /must have required property 'title'/],
  ])('a title that is %s is 400 invalid_request saying why', async (_what, body, message) => {
    const alice = await h.trader();
    const conversation = await h.test.app.repos.conversations.create(alice.user.id, 'Kept');
    const response = await rename(alice, conversation.id, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) });
    expect((await list(alice))[0]!.title).toBe('Kept');
  });
});

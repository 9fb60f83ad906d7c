// GET /conversations and /conversations/:id/messages: a user sees only their own history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { buildTestApp, bearer, type TestApp } from './support/app.js';
import { startTestIssuer, type TestIssuer } from './support/issuer.js';

let issuer: TestIssuer;
let database: TestDatabase;
let test: TestApp;

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await postgresTestDatabase();
  test = await buildTestApp({ database: database.db, env: { AUTH_ISSUER: issuer.issuer } });
});
afterAll(async () => {
  await test.close();
  await database.drop();
  await issuer.close();
});

let counter = 0;
async function signedIn() {
  const sub = `user_conv${Date.now()}x${(counter += 1)}`;
  const headers = bearer(await issuer.sessionToken({ sub, expiresIn: 600 }));
  await test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers });
  const user = await test.app.repos.users.findByClerkId(sub);
  if (!user) throw new Error('user not created');
  return { user, headers };
}

describe('conversations', () => {
  it('lists the user’s conversations and their messages in order', async () => {
    const alice = await signedIn();
    const conversation = await test.app.repos.conversations.create(alice.user.id, 'SPY 3-1-2 on the 60m');
    await test.app.repos.conversations.addMessage(conversation.id, {
      role: 'user',
      content: 'Is this a valid 3-1-2 up?',
      images: [{ mediaType: 'image/png', bytes: 20_480, width: 1280, height: 720 }],
    });
    await test.app.repos.conversations.addMessage(conversation.id, {
      role: 'assistant',
      content: 'Yes, once the 1 is taken out.',
    });

    const list = await test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: alice.headers });
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
    const messages = await test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversation.id}/messages`,
      headers: alice.headers,
    });
    expect(messages.statusCode).toBe(200);
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
    const alice = await signedIn();
    const bob = await signedIn();
    const secret = await test.app.repos.conversations.create(alice.user.id, 'Alice’s plan');
    await test.app.repos.conversations.addMessage(secret.id, { role: 'user', content: 'my entries' });

    const stolen = await test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${secret.id}/messages`,
      headers: bob.headers,
    });
    const missing = await test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${crypto.randomUUID()}/messages`,
      headers: bob.headers,
    });
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toEqual(missing.json());
    expect(stolen.body).not.toContain('my entries');
    const bobsList = await test.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: bob.headers });
    expect(bobsList.json()).toEqual({ items: [], nextCursor: null });
    // Bob cannot page with Alice's conversation as a cursor either.
    const cursor = await test.app.inject({
      method: 'GET',
      url: `/api/v1/conversations?cursor=${secret.id}`,
      headers: bob.headers,
    });
    expect(cursor.statusCode).toBe(400);
  });

  it('a conversation id that is not a uuid is 400', async () => {
    const alice = await signedIn();
    const response = await test.app.inject({
      method: 'GET',
      url: '/api/v1/conversations/42/messages',
      headers: alice.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
  });

  it('requires sign-in', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/conversations' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('token_missing');
  });
});

// What one chat request may cost is bounded (issue 11, findings 3, 7 and 10): the quota reservation is an
// upper bound whatever the script, the body limit fits four charts and nothing more, a memory guard answers
// 503 busy before the process nears its heap limit, a reader that stops reading is dropped and billed at most
// the answer's budget, and every event stream carries our request id.
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { request as httpRequest } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES, MAX_IMAGES, MAX_MESSAGE_CHARS } from '../src/contract/chat.js';
import { CHAT_BODY_LIMIT_BYTES } from '../src/routes/chat/index.js';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { createMemoryGuard } from '../src/services/memory-guard.js';
import { sentText } from './support/upstream-request.js';
import { startChatHarness, usageRow, type ChatHarness } from './support/chat-harness.js';
import { openUnreadStream } from './support/coach-client.js';
import { pngOfSize } from './support/png.js';
import { eventually } from './support/eventually.js';

let h: ChatHarness;
/** The last question a model request carried. */
const sentQuestion = (body: { messages: readonly MessageParam[] }) => sentText(body.messages).at(-1)?.[1];
let heapInUse: number | null = null;
/** How many times the guard has read the heap: a request's admission, and each chunk of its body. */
let heapReads = 0;
/** The guard's ceiling here: half of a 4 GiB heap. */
const CEILING = 2 * 2 ** 30;
const MB = 2 ** 20;
beforeAll(async () => {
  h = await startChatHarness((config) => {
    config.sseWriteTimeoutMs = 1_000;
    // A question waits this long, unread, behind the trader's previous one (10 s in production).
    config.uploadQueueWaitMs = 1_500;
    // The fake takes a while to plan a 120 MB answer: only the write timeout may end that stream.
    config.anthropic.idleTimeoutMs = 15_000;
    // The guard reads the real heap unless a test pretends it is nearly full.
    config.memoryGuard = {
      heapLimitBytes: 2 * CEILING,
      ceiling: 0.5,
      used: () => {
        heapReads += 1;
        if (heapInUse !== null) return heapInUse;
        const heap = getHeapStatistics();
        return heap.used_heap_size + heap.external_memory;
      },
    };
  });
});
afterAll(async () => {
  await h?.close();
});

describe('the free quota', () => {
  /** A harsh tokenizer: a token per byte of anything outside ASCII (emoji, other scripts), four ASCII characters a token. */
  const harsh = (text: string): number => {
    const ascii = Array.from(text).filter((character) => character.charCodeAt(0) < 0x80).length;
    return Math.ceil(ascii / 4) + (Buffer.byteLength(text, 'utf8') - ascii);
  };
  const usedAndReserved = async (userId: string) =>
    (
      await h.database.db.query<{ quota_used: number; quota_reserved: number }>(
        'SELECT quota_used, quota_reserved FROM users WHERE id = $1',
        [userId],
      )
    ).rows[0]!;
  const traderAt = async (left: number) => {
    const trader = await h.trader();
    // The second first question reads the coaching prompt from the cache: measured, it is never reserved.
    await h.chat(trader.headers, { message: 'Warm the cache' });
    await h.chat(trader.headers, { message: 'Warm the cache' });
    const period = billingPeriodAt(trader.user.periodStart, new Date());
    await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
      trader.user.id,
      period.start,
      100_000 - left,
    ]);
    return trader;
  };

  it('an emoji-heavy question near the limit is refused, not answered past it', async () => {
    const question = '📈'.repeat(2_000); // 4,000 UTF-16 units, 8,000 UTF-8 bytes
    const { user, headers } = await traderAt(Buffer.byteLength(question, 'utf8'));
    h.fake.setTokenizer(harsh);
    h.fake.setDefault((request) => ({ chunks: ['ok'], usage: { outputTokens: request.body.max_tokens } }));
    try {
      const calls = h.fake.requests.length;
      const result = await h.chat(headers, { message: question });
      expect(result.status).toBe(402);
      expect(result.body).toMatchObject({ error: { code: 'quota_exceeded', quota: { limit: 100_000 } } });
      expect(h.fake.requests.length).toBe(calls);
      expect(await usedAndReserved(user.id)).toEqual({ quota_used: 92_000, quota_reserved: 0 });
    } finally {
      h.fake.setTokenizer(null);
      h.fake.setDefault({});
    }
  });

  it('a question refused while another answer holds part of what is left says so, and how much is held', async () => {
    const { user, headers } = await traderAt(20_000);
    // Another window's answer still coming holds 19,900 of the 20,000 left.
    await h.database.db.query('UPDATE users SET quota_reserved = 19900 WHERE id = $1', [user.id]);
    const calls = h.fake.requests.length;
    const held = await h.chat(headers, { message: 'Is this 2-1-2 valid?' });
    expect(held.status).toBe(402);
    expect(held.body).toMatchObject({
      error: {
        code: 'quota_exceeded',
        message: 'An answer still coming holds part of this month’s coaching tokens. Ask again once it ends.',
        quota: { limit: 100_000, used: 80_000, remaining: 20_000 },
        heldTokens: 19_900,
      },
    });
    expect(h.fake.requests.length).toBe(calls);

    // Nothing held: too little left, and not "used up".
    await h.database.db.query('UPDATE users SET quota_reserved = 0, quota_used = 99900 WHERE id = $1', [user.id]);
    const short = await h.chat(headers, { message: 'Is this 2-1-2 valid?' });
    expect(short.status).toBe(402);
    expect(short.body).toMatchObject({
      error: { code: 'quota_exceeded', quota: { remaining: 100 }, heldTokens: 0 },
    });
    expect((short.body as { error: { message: string } }).error.message).toMatch(/needs more .* than are left/);
  });

  it('a question whose upper bound does not fit but whose real count does is answered, within the limit', async () => {
    const question = `Walk me through this setup. ${'Bar by bar. '.repeat(500)}`; // 6,028 bytes, ~1,500 tokens
    const { user, headers } = await traderAt(3_000);
    h.fake.setDefault((request) => ({ chunks: ['ok'], usage: { outputTokens: request.body.max_tokens } }));
    try {
      const counts = h.fake.tokenCounts.length;
      const result = await h.chat(headers, { message: question });
      expect(result.status).toBe(200);
      expect(h.fake.tokenCounts.length).toBe(counts + 1);
      expect(h.fake.requests.at(-1)!.body.max_tokens).toBeLessThan(3_000);
      const after = await usedAndReserved(user.id);
      expect(after.quota_reserved).toBe(0);
      expect(after.quota_used).toBeGreaterThan(97_000);
      expect(after.quota_used).toBeLessThanOrEqual(100_000);
    } finally {
      h.fake.setDefault({});
    }
  });
});

describe('the body limit', () => {
  it('fits four charts of 5 MB in base64 and the longest question, and nothing more', async () => {
    const { headers } = await h.trader();
    const image = { mediaType: 'image/png', data: Buffer.alloc(MAX_IMAGE_BYTES).toString('base64') };
    const largest = JSON.stringify({
      message: '\u0001'.repeat(MAX_MESSAGE_CHARS), // every character escaped: six bytes each
      images: Array.from({ length: MAX_IMAGES }, () => image),
    });
    expect(largest.length).toBeLessThanOrEqual(CHAT_BODY_LIMIT_BYTES);
    const post = (payload: string) =>
      h.test.app.inject({
        method: 'POST',
        url: '/api/v1/chat/stream',
        headers: { ...headers, 'content-type': 'application/json' },
        payload,
      });
    const fits = await post(largest);
    // Read and checked (the bytes are no image), not refused for its size.
    expect(fits.statusCode).toBe(400);
    expect(fits.json().error.code).toBe('invalid_request');

    const fifth = JSON.stringify({ message: 'q', images: Array.from({ length: MAX_IMAGES + 1 }, () => image) });
    const tooLarge = await post(fifth);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('payload_too_large');
    expect(CHAT_BODY_LIMIT_BYTES).toBeLessThan(28 * 1024 * 1024);
  });
});

describe('validation before the rate limit', () => {
  it('questions refused for their charts (not an image, unpadded) use no rate-limit slot', async () => {
    const { headers } = await h.trader();
    for (const data of ['AAAAAAAA', 'AAAAAAA']) {
      for (let attempt = 0; attempt < 6; attempt += 1) {
        const refused = await h.chat(headers, { message: 'q', images: [{ mediaType: 'image/png', data }] });
        expect(refused.status).toBe(400);
      }
    }
    // Twelve refusals, more than the free plan's 10 a minute: the next good question is the minute's first.
    const answered = await h.chat(headers, { message: 'A good one' });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('x-ratelimit-remaining')).toBe('9');
  });
});

describe('the memory guard', () => {
  it('answers 503 busy with Retry-After when a body would take the heap past its ceiling', async () => {
    const { headers } = await h.trader();
    heapInUse = Number.MAX_SAFE_INTEGER / 2;
    try {
      const refused = await h.chat(headers, { message: 'Anything?' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(refused.body).toMatchObject({ error: { code: 'busy', retryAfterMs: 2_000 } });
    } finally {
      heapInUse = null;
    }
    const answered = await h.chat(headers, { message: 'Anything?' });
    expect(answered.status).toBe(200);
  });

  /** A chat request whose body is sent in two parts: its first 64 KB now, the rest on finish(). */
  const trickle = (headers: Record<string, string>, body: unknown) => {
    const bytes = Buffer.from(JSON.stringify(body));
    const request = httpRequest(new URL(`${h.baseUrl}/api/v1/chat/stream`), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.on('response', (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (text += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text }));
      });
      request.on('error', reject);
    });
    const readsBefore = heapReads;
    request.write(bytes.subarray(0, 64 * 1024));
    return {
      response,
      /** Resolves once the server has admitted the request and charged its first bytes. */
      admitted: () =>
        eventually(() => (heapReads >= readsBefore + 2 ? true : undefined), 10_000, 'the first bytes charged'),
      finish: () => request.end(bytes.subarray(64 * 1024)),
    };
  };
  /** A question with one chart of about 4 MB in base64. */
  const chartQuestion = () => ({
    message: 'Is this a 2-1-2?',
    images: [{ mediaType: 'image/png', data: pngOfSize(1_000, 1_000, { noise: true }).toString('base64') }],
  });

  it('charges a body for the bytes that have arrived: a slow upload does not hold what it declared', async () => {
    const slow = await h.trader();
    const other = await h.trader();
    // Room for about 6 MB of bodies in flight (at 5 times their size): one 4 MB chart question, not two.
    heapInUse = CEILING - 30 * MB;
    try {
      const trickled = trickle(slow.headers, chartQuestion());
      await trickled.admitted();
      // The slow trader has sent 64 KB of their 4 MB: the other trader's 4 MB question is read and answered.
      const answered = await h.chat(other.headers, chartQuestion());
      expect(answered.status).toBe(200);
      expect(answered.events.at(-1)?.event).toBe('stream_complete');
      trickled.finish();
      const late = await trickled.response;
      expect(late.status).toBe(200);
      expect(late.text).toContain('event: stream_complete');
    } finally {
      heapInUse = null;
    }
  });

  it('stops reading a body whose next bytes would pass the ceiling: 503 busy, and nothing is kept', async () => {
    const { headers } = await h.trader();
    heapInUse = CEILING - 30 * MB;
    try {
      const trickled = trickle(headers, chartQuestion());
      await trickled.admitted();
      const requestsBefore = h.fake.requests.length;
      heapInUse = CEILING; // the heap filled up meanwhile
      trickled.finish();
      const refused = await trickled.response;
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'busy', retryAfterMs: 2_000 } });
      expect(h.fake.requests.length).toBe(requestsBefore);
    } finally {
      heapInUse = null;
    }
    const answered = await h.chat(headers, { message: 'And now?' });
    expect(answered.status).toBe(200);
  });

  it('refuses a body that is not JSON before reading it: as text/plain it was read whole, charged to nothing', async () => {
    const { headers } = await h.trader();
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/octet-stream']) {
      const request = httpRequest(new URL(`${h.baseUrl}/api/v1/chat/stream`), {
        method: 'POST',
        headers: { ...headers, 'content-type': type, 'content-length': String(CHAT_BODY_LIMIT_BYTES - 1) },
      });
      request.on('error', () => undefined);
      const answered = new Promise<{ status: number; text: string }>((resolve) => {
        request.on('response', (answer) => {
          let text = '';
          answer.setEncoding('utf8');
          answer.on('data', (chunk: string) => (text += chunk));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text }));
        });
      });
      // 64 KB of the 27 MB declared: the answer comes without the rest, so nothing waited to read it.
      request.write(Buffer.alloc(64 * 1024, 'a'));
      let bound: NodeJS.Timeout | undefined;
      const unanswered = new Promise<never>((_, reject) => {
        bound = setTimeout(() => reject(new Error(`${type}: no answer while the body was still to come`)), 5_000);
      });
      const refused = await Promise.race([answered, unanswered]).finally(() => clearTimeout(bound));
      request.destroy();
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });

  it('charges bodies as their bytes arrive, refuses bytes past the ceiling, and releases each share once', () => {
    let used = 100;
    const guard = createMemoryGuard({ heapLimitBytes: 1_000, ceiling: 0.5, costFactor: 2, used: () => used });
    expect(guard.fits(200)).toBe(true); // 100 + 200 * 2 <= 500
    expect(guard.fits(201)).toBe(false);
    const first = guard.open();
    expect(guard.inFlightBytes).toBe(0); // nothing has arrived yet
    expect(first.add(60)).toBe(true);
    expect(first.add(40)).toBe(true); // 100 + 100 * 2 <= 500
    const second = guard.open();
    expect(second.add(101)).toBe(false); // 100 + (100 + 101) * 2 > 500: nothing added
    expect(guard.inFlightBytes).toBe(100);
    expect(guard.fits(101)).toBe(false);
    first.release();
    first.release();
    expect(guard.inFlightBytes).toBe(0);
    expect(second.add(101)).toBe(true);
    second.release();
    used = 450;
    expect(guard.open().add(25)).toBe(true);
    expect(guard.open().add(26)).toBe(false);
  });

  it("reads the process's own heap by default: on-heap and external buffers", () => {
    const { used_heap_size: heap, external_memory: external } = getHeapStatistics();
    // A ceiling just under what is in use refuses even an empty body; one well above it takes a small one.
    expect(createMemoryGuard({ heapLimitBytes: heap, ceiling: 1 }).fits(0)).toBe(false);
    const ballast = Buffer.alloc(64 * MB, 1);
    expect(createMemoryGuard({ heapLimitBytes: heap + 32 * MB, ceiling: 1, costFactor: 1 }).fits(0)).toBe(false);
    ballast.fill(0);
    expect(createMemoryGuard({ heapLimitBytes: 4 * (heap + external + 64 * MB), ceiling: 1 }).fits(MB)).toBe(true);
  });
});

describe('one trader’s parallel questions', () => {
  it('are read and sent to the model one at a time; the answers still stream side by side', async () => {
    const { headers } = await h.trader();
    const index = h.fake.requests.length;
    // The model takes its time to start the first answer: the second question waits, unread, until it has.
    h.fake.script({ chunks: ['First ', 'answer.'], headersDelayMs: 1_000 }, { chunks: ['Second answer.'] });
    const first = h.chat(headers, { message: 'First question' });
    const second = h.chat(headers, { message: 'Second question' });
    await h.fake.waitForRequest(index);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.fake.requests.length).toBe(index + 1);
    const results = await Promise.all([first, second]);
    expect(results.map((result) => result.text())).toEqual(['First answer.', 'Second answer.']);
  });

  it('a question behind one whose upload has stalled is refused after the wait, not read beside it', async () => {
    const { headers } = await h.trader();
    // Four charts' worth declared, a few bytes sent: a trickled upload holds the trader's turn.
    const trickle = httpRequest(new URL(`${h.baseUrl}/api/v1/chat/stream`), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(20 * MB) },
    });
    trickle.on('error', () => undefined);
    trickle.write('{"message":"Is this');
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const calls = h.fake.requests.length;
      const behind = await h.chat(headers, { message: 'Second question' });
      expect(behind.status).toBe(429);
      expect(behind.headers.get('retry-after')).toBe('2');
      expect(behind.body).toMatchObject({
        error: { code: 'too_many_streams', message: 'Your previous question is still being sent. Ask again in 2 s.' },
      });
      expect(h.fake.requests.length).toBe(calls);
    } finally {
      trickle.destroy();
    }
    // The stalled upload gone, the trader's next question is read at once.
    const next = await eventually(async () => {
      const result = await h.chat(headers, { message: 'Third question' });
      return result.status === 429 ? undefined : result;
    }, 3_000);
    expect(next.status).toBe(200);
  });
});

describe('a trader’s streams, through the chat route', () => {
  /** A free trader's two answers at once, both streaming (slow, 300 ms a chunk) when this resolves; `done` ends with them. */
  async function twoStreaming(headers: Record<string, string>) {
    h.fake.script(
      { chunks: ['One ', 'two ', 'three.'], chunkDelayMs: 300 },
      { chunks: ['One ', 'two ', 'three.'], chunkDelayMs: 300 },
    );
    const started: string[] = [];
    const streaming = (message: string) =>
      h.chat(headers, { message }, { onEvent: (event) => event.event === 'stream_start' && started.push(message) });
    const done = Promise.all([streaming('First'), streaming('Second')]);
    await eventually(async () => (started.length === 2 ? true : undefined));
    return { done };
  }

  it('a third answer at once is 429 too_many_streams; a slot comes back when an answer ends', async () => {
    const { headers } = await h.trader();
    const running = await twoStreaming(headers);
    const third = await h.chat(headers, { message: 'Third' });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(third.body).toMatchObject({ error: { code: 'too_many_streams', limit: 2 } });
    await running.done;
    expect((await h.chat(headers, { message: 'Fourth' })).status).toBe(200);
  });

  /** A chat request that declares a body of `bytes` and never sends it: its answer is one given unread. */
  const withoutBody = (headers: Record<string, string>, bytes: number) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const request = httpRequest(new URL(`${h.baseUrl}/api/v1/chat/stream`), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes) },
      });
      request.on('response', (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (text += chunk));
        answer.on('end', () => {
          request.destroy();
          resolve({ status: answer.statusCode ?? 0, body: JSON.parse(text) });
        });
      });
      request.on('error', reject);
      request.flushHeaders();
    });

  it('a question refused for the streams this instance holds is refused unread, and is not counted', async () => {
    const { headers } = await h.trader();
    const running = await twoStreaming(headers);
    // Four charts' worth declared, none sent: the refusal does not wait for them.
    const third = await withoutBody(headers, 20 * MB);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: { code: 'too_many_streams', limit: 2 } });
    await running.done;
    // Two of the free tier's ten a minute were counted, not three.
    for (let left = 7; left >= 0; left -= 1) {
      const answered = await h.chat(headers, { message: `Question ${left}` });
      expect(answered.status).toBe(200);
      expect(answered.headers.get('x-ratelimit-remaining')).toBe(String(left));
    }
    expect((await h.chat(headers, { message: 'One more' })).body).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('a question abandoned while it waits behind the trader’s previous one gives back its slot and its place', async () => {
    const { headers } = await h.trader();
    h.fake.script({ chunks: ['Slow to start.'], headersDelayMs: 1_000 }, { chunks: ['Next.'] });
    const index = h.fake.requests.length;
    const first = h.chat(headers, { message: 'First' });
    await h.fake.waitForRequest(index);
    const leave = new AbortController();
    const abandoned = h.chat(headers, { message: 'Abandoned' }, { signal: leave.signal }).catch(() => 'left');
    await new Promise((resolve) => setTimeout(resolve, 300));
    leave.abort();
    expect(await abandoned).toBe('left');
    // Had the abandoned question kept its slot or its place, this one would get 429 or wait for ever. (The
    // server learns of the hang-up a moment after the client: 429 until then.)
    const next = await eventually(async () => {
      const result = await h.chat(headers, { message: 'Next' });
      return result.status === 429 ? undefined : result;
    }, 3_000);
    expect(next.status).toBe(200);
    expect(next.text()).toBe('Next.');
    expect((await first).text()).toBe('Slow to start.');
    expect(h.fake.requests.slice(index).map((request) => sentQuestion(request.body))).toEqual(['First', 'Next']);
  });
});

describe('a reader that stops reading', () => {
  it('is dropped after SSE_WRITE_TIMEOUT_MS and billed at most the answer’s budget', async () => {
    const { headers } = await h.trader();
    // 120 MB of answer: more than every kernel socket buffer on the way, so the server's writes must wait.
    const chunk = 'x'.repeat(4_000);
    h.fake.script({ chunks: Array.from({ length: 30_000 }, () => chunk), unlimited: true });
    const index = h.fake.requests.length;
    const response = await openUnreadStream(h.baseUrl, headers, { message: 'never read' });
    try {
      const requestId = String(response.headers['x-request-id']);
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      await h.fake.waitForDisconnect(index, 20_000);
      const row = await eventually(() => usageRow(h, requestId), 10_000);
      expect({ status: row.status, code: row.error_code }).toEqual({ status: 'cancelled', code: null });
      expect(row.output_tokens).toBeGreaterThan(0);
      expect(row.output_tokens).toBeLessThanOrEqual(h.fake.requests[index]!.body.max_tokens);
    } finally {
      response.destroy();
    }
  }, 40_000);
});

describe('request ids', () => {
  it('every event stream carries our own request id, also in stream_start, whatever the client sent', async () => {
    const { headers } = await h.trader();
    const first = await h.chat({ ...headers, 'x-request-id': 'client-chosen-id-1' }, { message: 'One' });
    const second = await h.chat({ ...headers, 'x-request-id': 'client-chosen-id-1' }, { message: 'Two' });
    const ids = [first, second].map((result) => result.headers.get('x-request-id'));
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(first.events[0]).toMatchObject({ event: 'stream_start', data: { requestId: ids[0] } });
    expect((await usageRow(h, ids[1]!))?.status).toBe('ok');
  });
});

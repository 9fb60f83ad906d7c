// The model's messages as the Messages API takes them: nothing it would refuse, and so refuse again with every later
// turn of the conversation, goes out (rows stored before the server held them to its rules).
import { describe, expect, it } from 'vitest';
import { UPSTREAM_MAX_IMAGE_BASE64_CHARS } from '../src/contract/chat.js';
import { buildMessages, type ContextMessage } from '../src/services/coach-messages.js';

const question = (id: string, content: string, charts = 0): ContextMessage => ({
  id,
  role: 'user',
  content,
  images: Array.from({ length: charts }, () => ({ mediaType: 'image/png', bytes: 10, width: 1, height: 1 })),
});
const answer = (id: string, content: string): ContextMessage => ({ id, role: 'assistant', content, images: [] });
const texts = (messages: ReturnType<typeof buildMessages>) =>
  messages.map(({ role, content }) => ({
    role,
    blocks: (content as Array<{ type: string; text?: string }>).map((block) =>
      block.type === 'text' ? block.text : block.type,
    ),
  }));

describe('buildMessages', () => {
  it('leaves out an answer of whitespace alone: the questions around it become one turn', () => {
    const messages = buildMessages(
      [question('q1', 'Is this a 2-1-2?'), answer('a1', '\n\n'), question('q2', 'And now?')],
      { holderId: null, charts: [] },
    );
    expect(texts(messages)).toEqual([{ role: 'user', blocks: ['Is this a 2-1-2?', 'And now?'] }]);
  });

  it('sends a stored chart within the model limit, and a note in place of one past it', () => {
    const within = {
      mediaType: 'image/png' as const,
      data: 'A'.repeat(UPSTREAM_MAX_IMAGE_BASE64_CHARS),
      label: null,
      reading: null,
    };
    const past = { ...within, data: 'A'.repeat(UPSTREAM_MAX_IMAGE_BASE64_CHARS + 4), label: 'SPY 60m' };
    const messages = buildMessages([question('q1', 'Where is the trigger?', 2)], {
      holderId: 'q1',
      charts: [within, past],
    });
    expect(texts(messages)).toEqual([
      {
        role: 'user',
        blocks: [
          'Chart 1 of 2',
          'image',
          'Chart 2 of 2 — SPY 60m: too large to show the model.',
          'Where is the trigger?',
        ],
      },
    ]);
  });
});

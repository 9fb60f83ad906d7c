// What the fake Anthropic upstream received, reduced to what a test asserts: the question, the images of the
// question and of the whole request (type, size and PNG dimensions read from the bytes), the thinking
// settings, and how the request ended.
import type { FakeAnthropic } from '@strat-coach/server/testing';
import type { ReceivedImage, UpstreamRequest } from './control-api';

type RecordedRequest = FakeAnthropic['requests'][number];

const PNG_SIGNATURE = '89504e470d0a1a0a';

function readImage(mediaType: string, base64: string): ReceivedImage {
  const bytes = Buffer.from(base64, 'base64');
  const png = bytes.subarray(0, 8).toString('hex') === PNG_SIGNATURE && bytes.length >= 24;
  return {
    mediaType,
    bytes: bytes.length,
    width: png ? bytes.readUInt32BE(16) : null,
    height: png ? bytes.readUInt32BE(20) : null,
  };
}

interface Block {
  type: string;
  text?: string;
  source?: { type: string; media_type?: string; data?: string };
}

const blocksOf = (content: unknown): Block[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : ((content ?? []) as Block[]);

const imagesOf = (blocks: Block[]): ReceivedImage[] =>
  blocks
    .filter((block) => block.type === 'image' && block.source?.type === 'base64')
    .map((block) => readImage(block.source?.media_type ?? '', block.source?.data ?? ''));

export function summarizeRequest(record: RecordedRequest): UpstreamRequest {
  const messages = record.body.messages;
  const blocks = blocksOf(messages[messages.length - 1]?.content);
  const texts = blocks.filter((block) => block.type === 'text').map((block) => block.text ?? '');
  return {
    index: record.index,
    outcome: record.outcome,
    chunksSent: record.chunksSent,
    disconnected: record.disconnected,
    // The question is the last user turn's last text; chart titles ("Chart 1 of 2 — SPY D") come before it.
    question: texts.at(-1) ?? '',
    chartTitles: texts.slice(0, -1),
    images: imagesOf(blocks),
    imagesInRequest: messages.flatMap((message) => imagesOf(blocksOf(message.content))),
    messageCount: messages.length,
    thinking: record.body.thinking?.type ?? null,
    maxTokens: record.body.max_tokens,
  };
}

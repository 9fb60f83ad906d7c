// What the fake Anthropic upstream received, reduced to what a test asserts: the question, the images
// (type, size and PNG dimensions read from the bytes) and how the request ended.
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

export function summarizeRequest(record: RecordedRequest): UpstreamRequest {
  const messages = record.body.messages;
  const last = messages[messages.length - 1];
  const blocks: Block[] =
    typeof last?.content === 'string' ? [{ type: 'text', text: last.content }] : ((last?.content ?? []) as Block[]);
  return {
    index: record.index,
    outcome: record.outcome,
    chunksSent: record.chunksSent,
    disconnected: record.disconnected,
    question: blocks
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join('\n'),
    images: blocks
      .filter((block) => block.type === 'image' && block.source?.type === 'base64')
      .map((block) => readImage(block.source?.media_type ?? '', block.source?.data ?? '')),
    messageCount: messages.length,
  };
}

// Calls POST /chat/stream over a real socket and reads the answer with eventsource-parser, the parser
// the desktop app uses: events in order, comments (pings) too; or leaves the answer unread.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ReceivedEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface ChatResult {
  status: number;
  headers: Headers;
  events: ReceivedEvent[];
  comments: string[];
  /** The JSON body of a non-stream answer (an HTTP error). */
  body: unknown;
  text(): string;
}

export interface ChatOptions {
  signal?: AbortSignal;
  /** Called for every event as it arrives (before the stream ends). */
  onEvent?: (event: ReceivedEvent) => void;
}

export async function postChat(
  baseUrl: string,
  headers: Record<string, string>,
  body: unknown,
  options: ChatOptions = {},
): Promise<ChatResult> {
  const response = await fetch(`${baseUrl}/api/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const result: ChatResult = {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    body: undefined,
    text: () =>
      events
        .filter((event) => event.event === 'content_delta')
        .map((event) => String(event.data.text))
        .join(''),
  };
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    result.body = await response.json();
    return result;
  }
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      const event = { event: message.event ?? 'message', data: JSON.parse(message.data) as Record<string, unknown> };
      events.push(event);
      options.onEvent?.(event);
    },
    onComment: (comment) => comments.push(comment.trim()),
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
  return result;
}

/**
 * Opens POST /chat/stream and leaves the answer paused, unread, as a client that stopped reading would: the
 * server's writes back up. The caller destroys (or resumes) the response.
 */
export async function openUnreadStream(
  baseUrl: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<IncomingMessage> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      new URL(`${baseUrl}/api/v1/chat/stream`),
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  response.pause();
  return response;
}

// Reads back what the server sent the model, for assertions: each message's role and its text blocks joined,
// charts and cache markers left aside (tests that care about those read the blocks themselves).
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';

export function sentText(messages: readonly MessageParam[]): Array<[role: string, text: string]> {
  return messages.map((message) => [
    message.role,
    typeof message.content === 'string'
      ? message.content
      : message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n'),
  ]);
}

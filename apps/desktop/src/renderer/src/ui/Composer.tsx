// The question box: the charts of the question (ChartStrip), the quick-question chips, the question (Enter
// sends, Shift+Enter is a new line) and Send, which becomes Stop while the answer streams.
import type { KeyboardEvent } from 'react';
import { isOpen } from '../lib/live-answer';
import { useConversationStore } from '../state/conversation-store';
import { useServerStore } from '../state/server-store';
import { ChartStrip } from './ChartStrip';
import { PresetChips } from './PresetChips';
import { useCountdown } from './use-countdown';

export const QUESTION_ID = 'question';

export function Composer() {
  const draft = useConversationStore((state) => state.draft);
  const setDraft = useConversationStore((state) => state.setDraft);
  const ask = useConversationStore((state) => state.ask);
  const stop = useConversationStore((state) => state.stop);
  const answering = useConversationStore((state) => isOpen(state.live));
  const notice = useConversationStore((state) => state.notice);
  const unconfigured = useServerStore((state) => state.upstreamConfigured === false);
  const wait = useCountdown(notice?.kind === 'rate_limited' ? notice.until : null);

  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    ask();
  };

  const blocked = wait > 0 || unconfigured;
  return (
    <footer className="composer">
      <ChartStrip />
      <PresetChips blocked={blocked} />
      <div className="composer-row">
        <textarea
          id={QUESTION_ID}
          aria-label="Question"
          rows={2}
          placeholder="Ask the coach…  (Enter sends, Shift+Enter new line)"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={keyDown}
        />
        {answering ? (
          <button type="button" className="stop" onClick={stop} title="Stop (Esc)">
            Stop
          </button>
        ) : (
          <button type="button" className="primary" onClick={ask} disabled={draft.trim() === '' || blocked}>
            Send
          </button>
        )}
      </div>
    </footer>
  );
}

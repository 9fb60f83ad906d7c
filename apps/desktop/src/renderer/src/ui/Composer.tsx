// The question box: the charts of the question (ChartStrip), the quick-question chips, the question (Enter
// sends, Shift+Enter is a new line) and Send, which becomes Stop while the answer streams.
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { isOpen } from '../lib/live-answer';
import { useConversationStore } from '../state/conversation-store';
import { ChartStrip } from './ChartStrip';
import { focusQuestion, QUESTION_ID } from './focus-question';
import { PresetChips } from './PresetChips';
import { useCountdown } from './use-countdown';

export { QUESTION_ID };

/**
 * When an answer ends (stopped, failed, refused) the Stop button goes away: focus it held, or focus already on
 * the page itself, goes to the question box instead of being lost.
 */
function useFocusAfterAnswer(answering: boolean, failed: boolean): void {
  const was = useRef(answering);
  useEffect(() => {
    const ended = was.current && !answering;
    was.current = answering;
    if (!ended && !failed) return;
    const active = document.activeElement;
    if (active === null || active === document.body) focusQuestion();
  }, [answering, failed]);
}

export function Composer() {
  const draft = useConversationStore((state) => state.draft);
  const setDraft = useConversationStore((state) => state.setDraft);
  const ask = useConversationStore((state) => state.ask);
  const stop = useConversationStore((state) => state.stop);
  const answering = useConversationStore((state) => isOpen(state.live));
  const notice = useConversationStore((state) => state.notice);
  const wait = useCountdown(notice?.kind === 'rate_limited' ? notice.until : null);
  const failed = useConversationStore((state) => state.live?.phase === 'failed' || state.notice !== null);
  const editing = useConversationStore((state) => state.editing);
  const cancelEdit = useConversationStore((state) => state.cancelEdit);
  useFocusAfterAnswer(answering, failed);

  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    ask();
  };

  // A server without an API key still answers, from its local chart reader (the banner says so).
  const blocked = wait > 0;
  return (
    <footer className="composer">
      <ChartStrip />
      <PresetChips blocked={blocked} />
      {editing && (
        <p className="editing-note" role="status">
          Editing your last question: sending replaces its answer.
          <button type="button" className="link-button" onClick={cancelEdit}>
            Cancel edit
          </button>
        </p>
      )}
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
          <button
            type="button"
            className="stop"
            onClick={() => {
              stop();
              focusQuestion();
            }}
            title="Stop (Esc)"
          >
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

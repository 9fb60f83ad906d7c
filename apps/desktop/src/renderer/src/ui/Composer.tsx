// The question box: the charts of the question (ChartStrip), the quick-question chips, the question (Enter
// sends, Shift+Enter is a new line) and Send, which becomes Stop while the answer streams.
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { formatDay } from '../lib/format';
import { isOpen } from '../lib/live-answer';
import { useConversationStore } from '../state/conversation-store';
import { useUsageStore } from '../state/usage-store';
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

  // A free trader's month spent: said before a question is typed, not only once it is refused. Send stays (the server
  // decides: a new period may have begun), the chips, which ask at once, wait.
  const spentUntil = useUsageStore((state) =>
    state.usage?.tier === 'free' && state.quota?.remaining != null && state.quota.remaining <= 0
      ? state.usage.period.end
      : null,
  );
  // A server without an API key still answers, from its local chart reader (the banner says so).
  const blocked = wait > 0;
  return (
    <footer className="composer">
      <ChartStrip />
      <PresetChips blocked={blocked || spentUntil !== null} />
      {spentUntil !== null && (
        <p className="editing-note" role="status" data-testid="quota-spent-note">
          This month’s coaching tokens are used up: the coach answers again when your quota renews on{' '}
          {formatDay(spentUntil)}.
        </p>
      )}
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

// Under a finished answer: Copy (Markdown or plain text); under the last one, Regenerate and Edit & resend of
// its question (Edit only when the question is the trader's words, not a bare Continue), and Continue when it was
// stopped or cut short.
import { markdownToPlainText } from '../lib/answer-text';
import { useConversationStore } from '../state/conversation-store';
import { CopyButton } from './CopyButton';
import { focusQuestion } from './focus-question';
import { useCountdown } from './use-countdown';

export function AnswerActions({
  markdown,
  last,
  canContinue,
  editable = true,
}: {
  markdown: string;
  /** The thread's last turn: it can be asked again or edited. */
  last: boolean;
  canContinue: boolean;
  /** Its question may go back to the box: not when it only asked the coach to continue. */
  editable?: boolean;
}) {
  const { regenerate, editLast, continueAnswer } = useConversationStore.getState();
  const busy = useConversationStore(
    (state) => state.live !== null && ['waiting', 'thinking', 'streaming'].includes(state.live.phase),
  );
  // While the rate limit's wait counts down (the banner says how long), asking again would be refused: Regenerate
  // and Continue wait too, rather than look ready and do nothing.
  const limitedUntil = useConversationStore((state) =>
    state.notice?.kind === 'rate_limited' ? state.notice.until : null,
  );
  // The model's own wait (its 429 or 529 said how long: Retry counts it down) holds Regenerate too, which asked again
  // at once beside a disabled "Retry in 26 s".
  const modelWaitUntil = useConversationStore((state) => state.live?.retryAt ?? null);
  const until = Math.max(limitedUntil ?? 0, modelWaitUntil ?? 0);
  // Only the last answer has these buttons: one countdown, not one per answer in the thread.
  const waiting = useCountdown(last && until > 0 ? until : null) > 0;
  return (
    <div className="answer-actions" role="group" aria-label="Answer actions">
      {markdown !== '' && (
        <>
          <CopyButton text={markdown} label="Copy answer" className="link-button" />
          <CopyButton text={markdownToPlainText(markdown)} label="Copy as plain text" className="link-button" />
        </>
      )}
      {last && canContinue && (
        <button type="button" className="link-button" onClick={continueAnswer} disabled={busy || waiting}>
          Continue
        </button>
      )}
      {last && (
        <>
          <button type="button" className="link-button" onClick={regenerate} disabled={busy || waiting}>
            Regenerate
          </button>
          {editable && (
            <button
              type="button"
              className="link-button"
              disabled={busy}
              onClick={() => {
                editLast();
                focusQuestion();
              }}
            >
              Edit &amp; resend
            </button>
          )}
        </>
      )}
    </div>
  );
}

// The question box: the chart (a new one as a thumbnail with remove; else the conversation's chart as "same
// chart", with Capture / Image buttons to replace it), the question (Enter sends, Shift+Enter is a new line)
// and Send, which becomes Stop while the answer streams.
import { useRef, type ChangeEvent, type KeyboardEvent } from 'react';
import { chartUrl } from '../chart/encode-chart';
import { isOpen } from '../lib/live-answer';
import { useChartStore } from '../state/chart-store';
import { useConversationStore } from '../state/conversation-store';
import { useServerStore } from '../state/server-store';
import { useCountdown } from './use-countdown';

export const QUESTION_ID = 'question';

function ChartSlot() {
  const { chart, sent, busy, error, capture, remove, acceptFile, dismissError } = useChartStore();
  const picker = useRef<HTMLInputElement>(null);
  const picked = (event: ChangeEvent<HTMLInputElement>): void => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) void acceptFile(file);
  };
  return (
    <div className="chart-slot">
      {chart ? (
        <figure className="thumb" data-testid="chart-thumbnail" data-width={chart.width} data-height={chart.height}>
          <img src={chartUrl(chart)} alt={`Chart to send, ${chart.width} × ${chart.height}`} />
          <button type="button" className="thumb-remove" aria-label="Remove chart" onClick={remove}>
            ×
          </button>
        </figure>
      ) : (
        <>
          {sent && (
            <figure className="thumb thumb-sent" data-testid="same-chart">
              <img src={chartUrl(sent)} alt="The conversation's chart, already with the coach" />
              <figcaption>Same chart</figcaption>
            </figure>
          )}
          <button type="button" className="secondary" onClick={() => void capture()} disabled={busy}>
            {busy ? 'Preparing…' : sent ? 'New capture' : 'Capture'}
          </button>
          <button type="button" className="secondary" onClick={() => picker.current?.click()} disabled={busy}>
            Image…
          </button>
          <input ref={picker} type="file" accept="image/*" hidden onChange={picked} data-testid="chart-file" />
          <span className="hint">or paste / drop a chart</span>
        </>
      )}
      {error && (
        <p className="chart-error" role="alert" data-testid="chart-error">
          {error}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismissError}>
            ×
          </button>
        </p>
      )}
    </div>
  );
}

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
      <ChartSlot />
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

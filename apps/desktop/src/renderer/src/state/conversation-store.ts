// The conversation the trader is in: the open one's history, the question being typed, the answer streaming
// in, and the notice when the server refused a question. The list of conversations is the history store's.
import type { ChatImage, ChatStreamRequest } from '@strat-coach/server/contract';
import { create } from 'zustand';
import { host } from '../host';
import { openConversationBefore, rememberOpenConversation } from '../host/open-conversation';
import {
  applyEvent,
  canContinue,
  canContinueStored,
  CONTINUE_MESSAGE,
  canRetry,
  isOpen,
  startAnswer,
  stopAnswer,
  toHistory,
  type LiveAnswer,
  type QuestionChart,
  type ThreadMessage,
} from '../lib/live-answer';
import { noticeFor, type Notice } from '../lib/notices';
import type { CoachAnswerHandle } from '../shared';
import { useChartStore, type PendingChart } from './chart-store';
import { useHistoryStore } from './history-store';
import { useServerStore } from './server-store';
import { useUsageStore } from './usage-store';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface ConversationState {
  /** The open conversation; null: the next question starts a new one. */
  currentId: string | null;
  history: ThreadMessage[];
  historyStatus: LoadStatus;
  /** Where the server's next page of earlier messages starts; null when the history goes back to the start. */
  earlierCursor: string | null;
  earlierStatus: LoadStatus;
  live: LiveAnswer | null;
  notice: Notice | null;
  draft: string;
  /** Edit & resend: the question in the box replaces the last turn when it is sent. */
  editing: boolean;
}

interface ConversationActions {
  openConversation: (id: string) => Promise<void>;
  /** The window was reloaded: the conversation it had open opens again (if none is open). */
  reopenAfterReload: () => Promise<void>;
  /** Puts the page of messages before the oldest one shown at the top of the history. */
  loadEarlier: () => Promise<void>;
  startNew: () => void;
  setDraft: (draft: string) => void;
  /** Sends the draft (with the new charts, if any) as a question in the open conversation. */
  ask: () => void;
  /** Sends this question (a preset's) with the new charts, whatever is in the box. */
  askQuestion: (question: string) => void;
  /** Asks the coach to carry on with an answer that was stopped or cut short at its length limit. */
  continueAnswer: () => void;
  /** Asks the last question again; the new answer replaces the last one in the thread. */
  regenerate: () => void;
  /** Puts the last question (and its charts) back in the box; sending it replaces the last turn. */
  editLast: () => void;
  cancelEdit: () => void;
  stop: () => void;
  retry: () => void;
  dismissNotice: () => void;
  reset: () => void;
}

/** No conversation open: the window at start, and after New question. */
const noConversation = {
  currentId: null,
  history: [],
  historyStatus: 'idle',
  earlierCursor: null,
  earlierStatus: 'idle',
  live: null,
  notice: null,
  editing: false,
} satisfies Partial<ConversationState>;

/** The last turn of the thread: the live answer, else the history's last question and what follows it. */
function lastTurn(
  history: ThreadMessage[],
  live: LiveAnswer | null,
): { question: ThreadMessage | null; start: number } {
  if (live) return { question: null, start: history.length };
  const start = history.findLastIndex((message) => message.role === 'user');
  return { question: history[start] ?? null, start: Math.max(0, start) };
}

/** The server's id of the thread's last question, which a replacement names; null when the server has none. */
function lastQuestionId(history: ThreadMessage[], live: LiveAnswer | null): string | null {
  if (live) return live.questionId;
  const question = lastTurn(history, null).question;
  if (question?.storedId) return question.storedId;
  return question && !question.id.startsWith('local-') ? question.id : null;
}

/** `replaces` for a question that takes the last turn's place, on the server as on screen. */
const replacing = (history: ThreadMessage[], live: LiveAnswer | null): { replaces?: string } => {
  const id = lastQuestionId(history, live);
  return id ? { replaces: id } : {};
};

const initial: ConversationState = {
  ...noConversation,
  draft: '',
  editing: false,
};

// The answer in flight. Outside the state: it is a handle to a stream, not something to render. `asks`
// numbers each question so events of an answer the trader has moved on from are dropped.
let inFlight: CoachAnswerHandle | null = null;
let asks = 0;
let lastRequest: ChatStreamRequest | null = null;
/**
 * What the thread showed before a question that replaces a stored one (Regenerate, Edit & resend, a Retry of a stored
 * question), for the ask it belongs to: the server keeps that turn until the replacement has words, so a replacement
 * stopped or failed before any shows it again.
 */
let beforeReplacement: { askId: number; view: Pick<ConversationState, 'history' | 'live'> } | null = null;

/** A chart as the thread shows it before the server has it. */
const questionChart = (chart: PendingChart): QuestionChart => ({
  mediaType: chart.image.mediaType,
  data: chart.image.data,
  width: chart.image.width,
  height: chart.image.height,
  label: chart.label,
  // The preview's reading until the question's own chart_analysis comes.
  ...(chart.reading ? { analysis: chart.reading } : {}),
});

/** A chart as the request carries it, with its label. */
const chartImage = (chart: PendingChart): ChatImage => ({
  mediaType: chart.image.mediaType,
  data: chart.image.data,
  ...(chart.label ? { label: chart.label } : {}),
});

/**
 * Whether an ended answer's charts went back to the box: the model refused its question (the server leaves the
 * question's charts out from then on), or it ended before the server named the conversation.
 */
const chartsReturned = (answer: LiveAnswer): boolean =>
  answer.withChart && (answer.error?.code === 'refused' || !answer.conversationId);

const rateLimited = (notice: Notice | null, now: number): boolean =>
  notice?.kind === 'rate_limited' && notice.until > now;

export const useConversationStore = create<ConversationState & ConversationActions>()((set, get) => {
  /**
   * After an answer ends, whichever way: the list catches up with what the server stored. The meter needs
   * nothing here: the host reads the usage once the stream is over and pushes it (host.api.onUsage).
   */
  const settle = (): void => {
    void useHistoryStore.getState().refresh();
  };

  const cancelInFlight = (): void => {
    asks += 1;
    inFlight?.cancel();
    inFlight = null;
  };

  /**
   * replaceLive: the live turn is asked again (Retry), not kept. replaceLast: the thread's last turn (live or
   * history) gives way to this one (Regenerate, Edit & resend).
   */
  const send = (
    request: ChatStreamRequest,
    options: { replaceLive: boolean; replaceLast?: boolean; charts?: QuestionChart[] },
  ): void => {
    const { live, history } = get();
    const askId = ++asks;
    let earlier =
      live && !options.replaceLive && !options.replaceLast
        ? [...history, ...toHistory(live, new Date(), `local-${askId}`)]
        : history;
    if (options.replaceLast && !live) earlier = earlier.slice(0, lastTurn(earlier, null).start);
    lastRequest = request;
    const withChart = (request.images?.length ?? 0) > 0;
    // A question goes out: an error about a chart the trader tried to add before is over (it stayed up through
    // every later answer, and other conversations).
    if (useChartStore.getState().error) useChartStore.getState().setError(null);
    // What a replacement takes off the screen, to put back if the server refuses it before the stream: the server
    // then still has the turn.
    const replaced = options.replaceLive || options.replaceLast ? { history, live } : null;
    beforeReplacement = replaced && request.replaces ? { askId, view: replaced } : null;
    set({
      history: earlier,
      live: startAnswer(request.message, withChart, Date.now(), options.charts ?? []),
      notice: null,
      editing: false,
    });

    const handle = host().coach.ask(request, {
      onEvent(event) {
        const current = get().live;
        if (askId !== asks || !current) return;
        // A replacement that failed before a word (not a refusal): the server kept the turn it was to replace.
        if (
          event.event === 'stream_error' &&
          event.data.code !== 'refused' &&
          current.text === '' &&
          beforeReplacement?.askId === askId
        ) {
          set({
            ...beforeReplacement.view,
            notice: {
              kind: 'error',
              message: `${event.data.message} The earlier answer is kept.`,
              code: event.data.code,
            },
          });
          beforeReplacement = null;
          if ((request.images?.length ?? 0) > 0) useChartStore.getState().unsend();
          settle();
          return;
        }
        set({ live: applyEvent(current, event, Date.now()) });
        if (event.event === 'stream_start') set({ currentId: event.data.conversationId });
        if (event.event === 'stream_complete') useUsageStore.getState().applyQuota(event.data.quota);
        if (event.event === 'stream_complete' || event.event === 'stream_error') settle();
        // The model refused: the server leaves that question (and the charts it sent) out from now on. Or the answer
        // failed before the server named the conversation: the next question cannot follow up on it. Either way the
        // charts go back to the box to ask about again.
        if (event.event === 'stream_error' && chartsReturned({ ...current, error: event.data })) {
          useChartStore.getState().unsend();
        }
      },
      onError(error) {
        if (askId !== asks) return;
        // Refused before the stream: nothing was stored, so the question (and its chart) goes back. A turn it was to
        // replace is still the server's: it is shown again, and sending the question from the box replaces it.
        set({
          ...(replaced ?? { live: null }),
          editing: replaced !== null,
          notice: noticeFor(error, Date.now()),
          draft: get().draft || request.message,
        });
        if ((request.images?.length ?? 0) > 0) useChartStore.getState().unsend();
        if (error.code === 'offline') useServerStore.getState().markOffline();
      },
    });
    inFlight = handle;
    void handle.done.then(() => {
      if (inFlight === handle) inFlight = null;
    });
  };

  return {
    ...initial,

    async openConversation(id) {
      cancelInFlight();
      useChartStore.getState().forgetSent();
      set({
        editing: false,
        currentId: id,
        history: [],
        historyStatus: 'loading',
        earlierCursor: null,
        earlierStatus: 'idle',
        live: null,
        notice: null,
      });
      // The newest page: a conversation opens at its end, earlier pages come when asked for.
      const result = await host().api.messages(id);
      if (get().currentId !== id) return;
      // Deleted meanwhile (from another window, or before a reload reopened it): nothing to show, nothing to retry.
      if (!result.ok && result.error.code === 'not_found') return set(noConversation);
      if (!result.ok) return set({ historyStatus: 'error', notice: noticeFor(result.error, Date.now()) });
      set({ history: result.value.items, historyStatus: 'ready', earlierCursor: result.value.nextCursor });
      // The conversation's charts are the last ones a question sent that the model did not refuse: the server shows
      // those to the model (a refused question's never again).
      const charts = result.value.items.findLast(
        (item) => item.role === 'user' && item.images.length > 0 && item.refused !== true,
      );
      if (charts) useChartStore.getState().showSent(charts.images);
    },

    async reopenAfterReload() {
      const before = openConversationBefore();
      if (before && get().currentId === null && get().live === null) await get().openConversation(before);
    },

    async loadEarlier() {
      const { currentId, earlierCursor, earlierStatus } = get();
      if (!currentId || !earlierCursor || earlierStatus === 'loading') return;
      set({ earlierStatus: 'loading' });
      const result = await host().api.messages(currentId, earlierCursor);
      if (get().currentId !== currentId || get().earlierCursor !== earlierCursor) return;
      if (!result.ok) return set({ earlierStatus: 'error', notice: noticeFor(result.error, Date.now()) });
      set({
        history: [...result.value.items, ...get().history],
        earlierCursor: result.value.nextCursor,
        earlierStatus: 'ready',
      });
    },

    startNew() {
      cancelInFlight();
      useChartStore.getState().forgetSent();
      set(noConversation);
    },

    setDraft: (draft) => set({ draft }),

    ask() {
      const { draft, live, notice } = get();
      if (draft.trim() === '' || isOpen(live) || rateLimited(notice, Date.now())) return;
      set({ draft: '' });
      get().askQuestion(draft);
    },

    askQuestion(question) {
      // A chart pasted or dropped a moment ago is still being encoded: the question was meant to go with it, so it
      // waits (the encoding ends in the chart or in its error, either way with busy cleared).
      if (useChartStore.getState().busy) {
        const unsubscribe = useChartStore.subscribe((charts) => {
          if (charts.busy) return;
          unsubscribe();
          get().askQuestion(question);
        });
        return;
      }
      const { live, notice, currentId, editing, history } = get();
      const message = question.trim();
      if (message === '' || isOpen(live) || rateLimited(notice, Date.now())) return;
      // Only new charts go out, higher timeframe first; the conversation's charts are already on the server.
      const charts = useChartStore.getState().charts;
      send(
        {
          message,
          ...(currentId ? { conversationId: currentId } : {}),
          ...(charts.length > 0 ? { images: charts.map(chartImage) } : {}),
          ...(editing && currentId ? replacing(history, live) : {}),
        },
        { replaceLive: false, replaceLast: get().editing, charts: charts.map(questionChart) },
      );
      if (charts.length > 0) useChartStore.getState().markSent();
    },

    continueAnswer() {
      const { live, history, currentId, notice } = get();
      // The answer just stopped or cut short, or, in a reopened conversation, its last answer if it was.
      const newest = history.at(-1);
      const continuable = live ? canContinue(live) : newest !== undefined && canContinueStored(newest);
      if (!continuable || !currentId || rateLimited(notice, Date.now())) return;
      send({ message: CONTINUE_MESSAGE, conversationId: currentId }, { replaceLive: false });
    },

    regenerate() {
      const { live, history, currentId, notice } = get();
      if (isOpen(live) || !currentId || rateLimited(notice, Date.now())) return;
      const question = live?.question ?? lastTurn(history, null).question?.content;
      if (!question) return;
      // The question's charts are on the server already: the same question goes out without them, and keeps them.
      // Not when they went back to the box (the model refused the question, or it ended before the server named the
      // conversation): the server does not carry them over, so the same question goes out with them again, as the
      // trader asked it, and they are the conversation's once more.
      const charts = live && chartsReturned(live) ? useChartStore.getState().charts : [];
      send(
        {
          message: question,
          conversationId: currentId,
          ...(charts.length > 0 ? { images: charts.map(chartImage) } : {}),
          ...replacing(history, live),
        },
        { replaceLive: live !== null, replaceLast: true, charts: charts.map(questionChart) },
      );
      if (charts.length > 0) useChartStore.getState().markSent();
    },

    editLast() {
      const { live, history } = get();
      if (isOpen(live)) return;
      const question = live ? { content: live.question, charts: live.charts } : lastTurn(history, null).question;
      if (!question) return;
      useChartStore.getState().restore(question.charts ?? []);
      set({ draft: question.content, editing: true });
    },

    cancelEdit: () => set({ editing: false }),

    stop() {
      const { live } = get();
      if (!live || !isOpen(live)) return;
      const handle = inFlight;
      const restore = beforeReplacement?.askId === asks && live.text === '' ? beforeReplacement.view : null;
      cancelInFlight();
      beforeReplacement = null;
      // A replacement stopped before a word: the server keeps the turn it was to replace, and so does the thread.
      if (restore) {
        set(restore);
        // New charts it carried (Edit & resend) go back to the box: the conversation keeps the earlier ones.
        if ((lastRequest?.images?.length ?? 0) > 0) useChartStore.getState().unsend();
        void handle?.done.then(settle);
        return;
      }
      set({ live: stopAnswer(live) });
      // Stopped before the server named the conversation: the next question starts one, so the charts go with it.
      if (chartsReturned(live)) useChartStore.getState().unsend();
      // Once the stream has really ended (the host then pushes the usage, too).
      void handle?.done.then(settle);
    },

    retry() {
      const { live } = get();
      if (!lastRequest || !live || !canRetry(live) || (live.retryAt ?? 0) > Date.now()) return;
      // The failed turn is replaced, not kept: the retry is the same question asked again. Once the server has stored
      // it (stream_start named it), the retry replaces that stored question: whatever the first request replaced is
      // gone by then, and asked anew the question would be stored twice.
      const conversationId = live.conversationId ?? lastRequest.conversationId;
      const replaces = live.questionId ?? lastRequest.replaces;
      // A failed answer is never a refusal (not retryable): its charts went back only if it failed before the stream.
      const chartsBack = chartsReturned(live);
      send(
        { ...lastRequest, ...(conversationId ? { conversationId } : {}), ...(replaces ? { replaces } : {}) },
        { replaceLive: true, charts: live.charts },
      );
      // Its charts went back to the box when it failed before the stream opened: they go out again with the retry.
      if (chartsBack) useChartStore.getState().markSent();
    },

    dismissNotice: () => set({ notice: null }),

    reset() {
      cancelInFlight();
      lastRequest = null;
      set(initial);
    },
  };
});

// The open conversation survives a reload of the window (see host/open-conversation.ts).
useConversationStore.subscribe((state, previous) => {
  if (state.currentId !== previous.currentId) rememberOpenConversation(state.currentId);
});

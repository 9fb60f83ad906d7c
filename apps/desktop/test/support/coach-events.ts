// Contract events as the coach client delivers them, for tests that drive the renderer's answer state.
import type { CoachEvent, CoachState, Quota } from '@strat-coach/server/contract';

export const streamStart = (
  conversationId: string,
  messageId = `${conversationId}-answer`,
  questionId?: string,
): CoachEvent => ({
  event: 'stream_start',
  data: {
    requestId: 'r',
    conversationId,
    messageId,
    ...(questionId ? { questionId } : {}),
    model: 'claude',
    coachingVersion: '1.0.0',
  },
});

export const contentDelta = (text: string): CoachEvent => ({ event: 'content_delta', data: { text } });

export const coachStatus = (state: CoachState): CoachEvent => ({ event: 'coach_status', data: { state } });

export const streamComplete = (quota: Quota, stopReason = 'end_turn'): CoachEvent => ({
  event: 'stream_complete',
  data: {
    usage: { inputTokens: 100, outputTokens: 20, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    costUsd: 0.001,
    latencyMs: 900,
    ttftMs: 300,
    stopReason,
    quota,
  },
});

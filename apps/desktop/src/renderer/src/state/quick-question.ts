// A quick question: one gesture that gets the charts and asks a preset. The charts are, in order of
// preference, the ones already in the question box, the pinned regions captured again, the conversation's
// charts (a follow-up), or — from the tray or the shortcut — the whole display under the cursor.
import { host } from '../host';
import type { Preset } from '../shared';
import { useChartStore } from './chart-store';
import { useConversationStore } from './conversation-store';
import { usePinnedStore } from './pinned-store';

export interface QuickQuestionOptions {
  /** The tray and the shortcut capture the display under the cursor when there is nothing else. */
  captureUnderCursor: boolean;
}

export async function askPreset(preset: Preset, options: QuickQuestionOptions): Promise<void> {
  const charts = useChartStore.getState();
  if (charts.charts.length === 0) {
    const pinned = usePinnedStore.getState();
    if (pinned.regions.length > 0) {
      await pinned.recapture();
      // Their screens are gone (the notice says which): better no answer than one about no chart.
      const after = useChartStore.getState();
      if (after.charts.length === 0 && after.sent.length === 0) return;
    } else if (charts.sent.length === 0 && options.captureUnderCursor) {
      const result = await host().capture.underCursor();
      if (result.ok) useChartStore.getState().add(result.value);
      else useChartStore.getState().setError(result.error.message);
    }
  }
  useConversationStore.getState().askQuestion(preset.question);
}

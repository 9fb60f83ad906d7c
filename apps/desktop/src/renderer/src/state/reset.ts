// Every store back to its first state: between tests, and when the trader signs out.
import { useAppUpdateStore } from './app-update-store';
import { useBarNumbersStore } from './bar-numbers-store';
import { useChartStore } from './chart-store';
import { useConversationStore } from './conversation-store';
import { useCropStore } from './crop-store';
import { useHistoryStore } from './history-store';
import { usePinnedStore } from './pinned-store';
import { usePresetStore } from './preset-store';
import { useServerStore } from './server-store';
import { useSessionStore } from './session-store';
import { useUsageStore } from './usage-store';

/** On sign-out: the trader's conversations, usage and chart go; what is known of the server stays. */
export function resetTraderData(): void {
  useConversationStore.getState().reset();
  useHistoryStore.getState().reset();
  useUsageStore.getState().reset();
  useChartStore.getState().reset();
  useCropStore.getState().reset();
  usePinnedStore.getState().reset();
  usePresetStore.getState().reset();
}

/** Between tests: everything, the session included. */
export function resetAllStores(): void {
  resetTraderData();
  useServerStore.getState().reset();
  useSessionStore.getState().reset();
  useBarNumbersStore.getState().reset();
  useAppUpdateStore.getState().reset();
}

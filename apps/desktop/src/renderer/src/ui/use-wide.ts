// Whether the window is wide enough for the history sidebar and the chart beside the thread (matches the
// stylesheet's breakpoint), following resizes.
import { useSyncExternalStore } from 'react';

export const WIDE_QUERY = '(min-width: 1100px)';

const subscribe = (onChange: () => void): (() => void) => {
  const query = window.matchMedia(WIDE_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
};

export const useWide = (): boolean => useSyncExternalStore(subscribe, () => window.matchMedia(WIDE_QUERY).matches);

// Whole seconds since `since` (epoch ms), re-rendering once a second while `running`: for "Reading the
// chart… 12 s" while the model thinks.
import { useEffect, useReducer } from 'react';

export function useElapsedSeconds(since: number, running: boolean): number {
  const [, tick] = useReducer((count: number) => count + 1, 0);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(tick, 1_000);
    return () => clearInterval(timer);
  }, [running]);
  return Math.max(0, Math.floor((Date.now() - since) / 1_000));
}

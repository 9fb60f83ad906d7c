// Milliseconds left until `until` (epoch ms), re-rendering a few times a second while the wait lasts so
// a countdown in seconds never lags a whole second behind.
import { useEffect, useReducer } from 'react';

export function useCountdown(until: number | null): number {
  const [, tick] = useReducer((count: number) => count + 1, 0);
  useEffect(() => {
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => {
      tick();
      if (Date.now() >= until) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, until - Date.now());
}

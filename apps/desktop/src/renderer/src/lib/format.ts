// How numbers, waits and dates read in the coach window. Fixed locales, so the window reads the same on
// every machine (and tests can say what they expect to see).

const tokens = new Intl.NumberFormat('en-US');
const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

export const formatTokens = (count: number): string => tokens.format(Math.round(count));

/** A wait as a trader reads it: "42 s", "1 min 05 s", "1 h 02 min". Rounded up: never "0 s" too early. */
export function formatWait(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export const formatDay = (iso: string): string => day.format(new Date(iso));

/** Today's items by time, older ones by day. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? time.format(at) : day.format(at);
}

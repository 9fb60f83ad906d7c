// "Back online" for the main process, which gets no `online` event of its own: Electron's net.isOnline()
// read every few seconds, and the listeners called when it turns from offline to online.
export function pollOnline(isOnline: () => boolean, intervalMs = 5_000) {
  return (listener: () => void): (() => void) => {
    let wasOnline = isOnline();
    const timer = setInterval(() => {
      const online = isOnline();
      if (online && !wasOnline) listener();
      wasOnline = online;
    }, intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  };
}

// One holder per key at a time, in arrival order: a trader's chart questions are read, stored and sent to the
// model one after the other, so one trader's parallel requests never hold several copies of their charts in
// memory at once (their answers still stream side by side).
export interface OneAtATime {
  /**
   * Waits for the key's earlier holders, then holds the key; the returned release is idempotent. After `maxWaitMs`
   * it goes ahead anyway when `goAhead()` allows it (by default it does), and otherwise gives its place up and
   * returns null: a caller whose earlier holder is stuck (a trickled upload) is refused, not let through beside it.
   */
  take(key: string, maxWaitMs?: number, goAhead?: () => boolean): Promise<(() => void) | null>;
}

export function oneAtATime(): OneAtATime {
  const tails = new Map<string, Promise<void>>();
  return {
    async take(key, maxWaitMs = Number.POSITIVE_INFINITY, goAhead = () => true) {
      const previous = tails.get(key) ?? Promise.resolve();
      let open!: () => void;
      const mine = new Promise<void>((resolve) => {
        open = resolve;
      });
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        open();
        if (tails.get(key) === tail) tails.delete(key);
      };
      if (Number.isFinite(maxWaitMs)) {
        let timer: NodeJS.Timeout | undefined;
        const waited = await Promise.race([
          previous.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), maxWaitMs))),
        ]);
        clearTimeout(timer);
        if (waited && !goAhead()) {
          // Its place is given up: those after it wait only for the holders before it, which still hold the key
          // (so the key stays queued until they are done).
          released = true;
          open();
          void tail.then(() => {
            if (tails.get(key) === tail) tails.delete(key);
          });
          return null;
        }
      } else {
        await previous;
      }
      return release;
    },
  };
}

// One holder per key at a time, in arrival order: a trader's chart questions are read, stored and sent to the
// model one after the other, so one trader's parallel requests never hold several copies of their charts in
// memory at once (their answers still stream side by side).
export interface OneAtATime {
  /**
   * Waits for the key's earlier holders (at most `maxWaitMs`: then it goes ahead anyway), then holds the key;
   * the returned release is idempotent.
   */
  take(key: string, maxWaitMs?: number): Promise<() => void>;
}

export function oneAtATime(): OneAtATime {
  const tails = new Map<string, Promise<void>>();
  return {
    async take(key, maxWaitMs = Number.POSITIVE_INFINITY) {
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
        await Promise.race([previous, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
        clearTimeout(timer);
      } else {
        await previous;
      }
      return release;
    },
  };
}

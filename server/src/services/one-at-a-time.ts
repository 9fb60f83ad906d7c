// One holder per key at a time, in arrival order: a trader's chart questions are read, stored and sent to the
// model one after the other, so one trader's parallel requests never hold several copies of their charts in
// memory at once (their answers still stream side by side).
export interface OneAtATime {
  /** Waits for the key's earlier holders, then holds it; the returned release is idempotent. */
  take(key: string): Promise<() => void>;
}

export function oneAtATime(): OneAtATime {
  const tails = new Map<string, Promise<void>>();
  return {
    async take(key) {
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
      await previous;
      return release;
    },
  };
}

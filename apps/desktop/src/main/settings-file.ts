// A small JSON settings file in userData (pinned regions, presets, shortcuts): read through the caller's
// parser, which repairs or resets what it cannot trust, and written atomically, owner-only, one at a time.
import { dirname } from 'node:path';

/** What the file needs of node:fs/promises (injected, so a test can make a step fail). */
export interface SettingsFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, options: { mode: number }): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
  rm(path: string, options: { force: true }): Promise<void>;
}

export interface JsonFile<T> {
  /** The stored value, or the parser's starting value when there is no file yet (and then no notice). */
  read(): Promise<{ value: T; notice: string | null }>;
  /** Replaces the file whole: readers see the old value or the new one, never half of one. */
  write(value: T): Promise<void>;
}

export interface JsonFileOptions<T> {
  file: string;
  fs: SettingsFs;
  /**
   * Reads the stored JSON. `undefined` stands for "nothing usable": its value is where a new user starts
   * (a missing file) and its notice what to tell a user whose file was unreadable.
   */
  parse: (json: unknown) => { value: T; notice: string | null };
  serialize: (value: T) => unknown;
}

export function createJsonFile<T>(options: JsonFileOptions<T>): JsonFile<T> {
  const { file, fs, parse, serialize } = options;
  const temporary = `${file}.tmp`;
  // Writes run one after another: two in flight would share the temporary file and could land out of order.
  let writing: Promise<void> = Promise.resolve();

  const replace = async (text: string) => {
    await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // A temporary file left by a crash may carry other permissions: start it afresh.
    await fs.rm(temporary, { force: true });
    await fs.writeFile(temporary, text, { mode: 0o600 });
    try {
      // rename replaces the old file in one step: a crash before it leaves the old file whole.
      await fs.rename(temporary, file);
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  };

  return {
    async read() {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { value: parse(undefined).value, notice: null };
        throw error;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return parse(json);
    },

    write(value) {
      const text = `${JSON.stringify(serialize(value), null, 2)}\n`;
      const done = writing.then(() => replace(text));
      // The next write waits for this one, whether it succeeded or not; the caller sees its own failure.
      writing = done.catch(() => undefined);
      return done;
    },
  };
}

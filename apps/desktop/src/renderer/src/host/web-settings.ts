// The web version's settings: pinned regions, quick questions and the theme in localStorage, read and checked with the
// same rules as the desktop app's files. The browser has no global shortcuts: they are null.
import {
  DEFAULT_PRESETS,
  parsePinnedRegions,
  parsePresets,
  serializePinnedRegions,
  serializePresets,
  updatePresets,
  isThemeChoice,
  parseTheme,
  serializeTheme,
  MAX_PINNED_REGIONS,
  type CoachHostApi,
  type HostResult,
  type PinnedRegion,
} from '../shared';

const PINNED_KEY = 'strat-coach:pinned-regions';
const PRESETS_KEY = 'strat-coach:presets';
const THEME_KEY = 'strat-coach:theme';

function readJson(storage: Storage | null, key: string): unknown {
  let text: string | null;
  try {
    text = storage?.getItem(key) ?? null;
  } catch {
    text = null; // storage blocked by the browser: as if nothing were saved
  }
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const invalid = <T>(message: string): HostResult<T> => ({
  ok: false,
  error: { code: 'invalid_request', message, status: null },
});

/** Writes, or says why not (a full or blocked storage): the settings stay as they were. */
function write<T>(storage: Storage | null, key: string, value: unknown, saved: T): HostResult<T> {
  try {
    if (!storage) throw new Error('no storage');
    storage.setItem(key, JSON.stringify(value));
    return { ok: true, value: saved };
  } catch {
    return {
      ok: false,
      error: { code: 'settings_not_saved', message: 'This browser would not save the settings.', status: null },
    };
  }
}

/** `storage`: the page's localStorage, or null where the browser blocks it (nothing is then kept). */
export function createWebSettings(storage: Storage | null): CoachHostApi['settings'] {
  return {
    async pinnedRegions() {
      const json = readJson(storage, PINNED_KEY);
      if (json === undefined) return { value: [], notice: null };
      const { regions, notice } = parsePinnedRegions(json);
      return { value: regions, notice };
    },
    async savePinnedRegions(regions: PinnedRegion[]) {
      if (regions.length > MAX_PINNED_REGIONS) return invalid(`At most ${MAX_PINNED_REGIONS} regions can be pinned.`);
      // The same check as a file read back: anything the parser would drop is refused now, not lost later.
      const file = serializePinnedRegions(regions);
      const checked = parsePinnedRegions(file);
      if (checked.notice || checked.regions.length !== regions.length) return invalid('A pinned region is not valid.');
      return write(storage, PINNED_KEY, file, checked.regions);
    },
    async presets() {
      const json = readJson(storage, PRESETS_KEY);
      if (json === undefined) return { value: [...DEFAULT_PRESETS], notice: null };
      const { presets, notice } = parsePresets(json);
      return { value: presets, notice };
    },
    async savePresets(presets) {
      const checked = updatePresets(presets);
      if (!checked.ok) return invalid(checked.message);
      return write(storage, PRESETS_KEY, serializePresets(checked.presets), checked.presets);
    },
    shortcuts: async () => null,
    saveShortcuts: async () => null,
    theme: async () => parseTheme(readJson(storage, THEME_KEY)),
    async saveTheme(theme) {
      if (!isThemeChoice(theme)) return invalid('The theme must be system, light or dark.');
      return write(storage, THEME_KEY, serializeTheme(theme), theme);
    },
  };
}

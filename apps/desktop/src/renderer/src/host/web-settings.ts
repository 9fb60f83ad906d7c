// The web version's settings: pinned regions and quick questions in localStorage, read and checked with the
// same rules as the desktop app's files. The browser has no global shortcuts: they are null.
import {
  DEFAULT_PRESETS,
  parsePinnedRegions,
  parsePresets,
  serializePinnedRegions,
  serializePresets,
  updatePresets,
  MAX_PINNED_REGIONS,
  type CoachHostApi,
  type HostResult,
  type PinnedRegion,
} from '../shared';

const PINNED_KEY = 'strat-coach:pinned-regions';
const PRESETS_KEY = 'strat-coach:presets';

function readJson(storage: Storage, key: string): unknown {
  const text = storage.getItem(key);
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

export function createWebSettings(storage: Storage): CoachHostApi['settings'] {
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
      storage.setItem(PINNED_KEY, JSON.stringify(file));
      return { ok: true, value: checked.regions };
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
      storage.setItem(PRESETS_KEY, JSON.stringify(serializePresets(checked.presets)));
      return { ok: true, value: checked.presets };
    },
    shortcuts: async () => null,
    saveShortcuts: async () => null,
  };
}

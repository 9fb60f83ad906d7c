// The trader's settings in userData, one JSON file each: pinned regions, presets, shortcut bindings, the
// colour theme and the last capture source. What a renderer saves is checked again here (it is untrusted); the tray hears of changes.
import { join } from 'node:path';
import type { HostResult, Loaded } from '../shared/host-api';
import {
  MAX_PINNED_REGIONS,
  parsePinnedRegions,
  PINNED_RESET_NOTICE,
  serializePinnedRegions,
  type PinnedRegion,
} from '../shared/pinned-regions';
import {
  DEFAULT_PRESETS,
  parsePresets,
  PRESETS_RESET_NOTICE,
  serializePresets,
  updatePresets,
  type Preset,
} from '../shared/presets';
import type { PinnedSource } from '../shared/region-geometry';
import {
  DEFAULT_SHORTCUTS,
  SHORTCUT_ACTIONS,
  type ShortcutAction,
  type ShortcutStatus,
} from '../shared/shortcut-settings';
import { DEFAULT_THEME, isThemeChoice, parseTheme, serializeTheme, type ThemeChoice } from '../shared/theme';
import { parseLastSource, serializeLastSource } from './capture-sources';
import { describeError, type Logger } from './log';
import { createJsonFile, type SettingsFs } from './settings-file';
import type { Shortcuts } from './shortcuts';

export type ShortcutBindings = Record<ShortcutAction, string>;

export interface AppSettings {
  pinnedRegions(): Promise<Loaded<PinnedRegion[]>>;
  /** The whole list, checked as if read from the file: refused whole when anything would be dropped. */
  savePinnedRegions(regions: unknown): Promise<HostResult<PinnedRegion[]>>;
  presets(): Promise<Loaded<Preset[]>>;
  savePresets(presets: unknown): Promise<HostResult<Preset[]>>;
  /** Binds the saved shortcuts (the defaults for a new user); call once at start. */
  applyShortcuts(): Promise<ShortcutStatus>;
  shortcuts(): ShortcutStatus;
  /** Binds and keeps the bindings, whatever their status: one held elsewhere today may be free tomorrow. */
  saveShortcuts(bindings: unknown): Promise<ShortcutStatus>;
  /** The saved theme (System for a new user), applied to the app (nativeTheme) as it is read. */
  theme(): Promise<ThemeChoice>;
  /** Applies the theme at once and keeps it; applied even when the file cannot be written (until restart). */
  saveTheme(theme: unknown): Promise<HostResult<ThemeChoice>>;
  lastSource(): Promise<PinnedSource | null>;
  rememberSource(source: PinnedSource): void;
  /** What the tray shows: the presets and how many regions are pinned, as last read or saved. */
  snapshot(): { presets: Preset[]; pinnedCount: number };
  onChange(listener: () => void): () => void;
}

const MAX_ACCELERATOR_CHARS = 100;

const invalid = (message: string, details?: Record<string, unknown>) => ({
  ok: false as const,
  error: { code: 'invalid_request', message, status: null, ...(details ? { details } : {}) },
});

/** shortcuts.json: a binding per action, the default for one missing or unreadable. */
function parseBindings(json: unknown): ShortcutBindings {
  const stored = typeof json === 'object' && json !== null ? (json as { bindings?: unknown }).bindings : undefined;
  const fields = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const bindings = { ...DEFAULT_SHORTCUTS };
  for (const action of SHORTCUT_ACTIONS) {
    const value = fields[action];
    if (typeof value === 'string' && value.length <= MAX_ACCELERATOR_CHARS) bindings[action] = value;
  }
  return bindings;
}

/** Bindings sent by the renderer: every action, each a short string ('' turns it off). */
function readBindings(value: unknown): ShortcutBindings | null {
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
  const bindings = { ...DEFAULT_SHORTCUTS };
  for (const action of SHORTCUT_ACTIONS) {
    const binding = fields[action];
    if (typeof binding !== 'string' || binding.length > MAX_ACCELERATOR_CHARS) return null;
    bindings[action] = binding;
  }
  return bindings;
}

export function createAppSettings(options: {
  dir: string;
  fs: SettingsFs;
  shortcuts: Shortcuts;
  /** Makes the app show this theme: nativeTheme.themeSource, which the window's CSS follows. */
  applyTheme: (theme: ThemeChoice) => void;
  log: Logger;
}): AppSettings {
  const { fs, log } = options;
  const file = (name: string) => join(options.dir, name);
  const pinnedFile = createJsonFile<PinnedRegion[]>({
    file: file('pinned-regions.json'),
    fs,
    parse: (json) => {
      const { regions, notice } = parsePinnedRegions(json);
      return { value: regions, notice };
    },
    serialize: serializePinnedRegions,
  });
  const presetsFile = createJsonFile<Preset[]>({
    file: file('presets.json'),
    fs,
    parse: (json) => {
      const { presets, notice } = parsePresets(json);
      return { value: presets, notice };
    },
    serialize: serializePresets,
  });
  const shortcutsFile = createJsonFile<ShortcutBindings>({
    file: file('shortcuts.json'),
    fs,
    parse: (json) => ({ value: parseBindings(json), notice: null }),
    serialize: (bindings) => ({ schemaVersion: 1, bindings }),
  });
  const themeFile = createJsonFile<ThemeChoice>({
    file: file('theme.json'),
    fs,
    parse: (json) => ({ value: parseTheme(json), notice: null }),
    serialize: serializeTheme,
  });
  const captureFile = createJsonFile<PinnedSource | null>({
    file: file('capture.json'),
    fs,
    parse: (json) => ({ value: parseLastSource(json), notice: null }),
    serialize: serializeLastSource,
  });

  let presets: Preset[] = DEFAULT_PRESETS.map((preset) => ({ ...preset }));
  let pinnedCount = 0;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const keepPresets = (next: Preset[]) => {
    if (JSON.stringify(next) === JSON.stringify(presets)) return;
    presets = next;
    changed();
  };
  const keepPinnedCount = (count: number) => {
    if (count === pinnedCount) return;
    pinnedCount = count;
    changed();
  };
  /** A file that cannot be read at all (permissions, a folder in its place) starts over, and says so. */
  const unreadable =
    <T>(what: string, value: T, notice: string) =>
    (error: unknown) => {
      log.error('settings file unreadable', { file: what, error: describeError(error) });
      return { value, notice };
    };
  const unsaved = (what: string, error: unknown) => {
    log.error('settings file not saved', { file: what, error: describeError(error) });
    return {
      ok: false as const,
      error: { code: 'settings_not_saved', message: `Your ${what} could not be saved on this computer.`, status: null },
    };
  };

  return {
    async pinnedRegions() {
      const loaded = await pinnedFile.read().catch(unreadable('pinned regions', [], PINNED_RESET_NOTICE));
      keepPinnedCount(loaded.value.length);
      return loaded;
    },

    async savePinnedRegions(value) {
      if (!Array.isArray(value)) return invalid('The pinned regions must be a list.');
      if (value.length > MAX_PINNED_REGIONS) return invalid(`You can pin up to ${MAX_PINNED_REGIONS} regions.`);
      let kept: PinnedRegion[];
      try {
        // Exactly what the file will hold, read back as it will be at the next start.
        kept = parsePinnedRegions(JSON.parse(JSON.stringify(serializePinnedRegions(value as PinnedRegion[])))).regions;
      } catch {
        return invalid('The pinned regions could not be read.');
      }
      const dropped = value.length - kept.length;
      if (dropped > 0) {
        const which = dropped === 1 ? 'One pinned region is' : `${dropped} pinned regions are`;
        return invalid(`${which} malformed or repeat another’s label: nothing was saved.`);
      }
      try {
        await pinnedFile.write(kept);
      } catch (error) {
        return unsaved('pinned regions', error);
      }
      keepPinnedCount(kept.length);
      return { ok: true, value: kept };
    },

    async presets() {
      const fallback = DEFAULT_PRESETS.map((preset) => ({ ...preset }));
      const loaded = await presetsFile.read().catch(unreadable('quick questions', fallback, PRESETS_RESET_NOTICE));
      keepPresets(loaded.value);
      return loaded;
    },

    async savePresets(value) {
      const entries: unknown[] = Array.isArray(value) ? value : [];
      if (!Array.isArray(value) || entries.some((entry) => typeof entry !== 'object' || entry === null)) {
        return invalid('The quick questions must be a list of questions.');
      }
      const checked = updatePresets(entries as Preset[]);
      if (!checked.ok) {
        return invalid(checked.message, {
          reason: checked.code,
          ...(checked.index === undefined ? {} : { index: checked.index }),
        });
      }
      try {
        await presetsFile.write(checked.presets);
      } catch (error) {
        return unsaved('quick questions', error);
      }
      keepPresets(checked.presets);
      return { ok: true, value: checked.presets };
    },

    async applyShortcuts() {
      const { value } = await shortcutsFile.read().catch(unreadable('shortcuts', { ...DEFAULT_SHORTCUTS }, ''));
      const status = options.shortcuts.apply(value);
      changed();
      return status;
    },

    shortcuts: () => options.shortcuts.status(),

    async saveShortcuts(value) {
      const bindings = readBindings(value);
      if (!bindings) throw new Error('malformed shortcut bindings');
      const status = options.shortcuts.apply(bindings);
      changed();
      // Bound already: a failed write only means the next start uses the old bindings.
      await shortcutsFile.write(bindings).catch((error: unknown) => void unsaved('shortcuts', error));
      return status;
    },

    async theme() {
      const { value } = await themeFile.read().catch(unreadable('theme', DEFAULT_THEME, ''));
      options.applyTheme(value);
      return value;
    },

    async saveTheme(value) {
      if (!isThemeChoice(value)) return invalid('The theme must be system, light or dark.');
      options.applyTheme(value);
      try {
        await themeFile.write(value);
      } catch (error) {
        return unsaved('theme', error);
      }
      return { ok: true, value };
    },

    async lastSource() {
      return (await captureFile.read()).value;
    },

    rememberSource(source) {
      void captureFile.write(source).catch((error: unknown) => void unsaved('last capture source', error));
    },

    snapshot: () => ({ presets: presets.map((preset) => ({ ...preset })), pinnedCount }),

    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

// The trader's pinned chart regions, recaptured with one gesture: reading them back (upgrading the earlier
// file shape, dropping what cannot be trusted), and adding, renaming and removing them. Persisted by main
// in a file and by the web host in localStorage; this module only knows the JSON.
import type { Rect, Size } from './capture-geometry';
import type { PinnedSource } from './region-geometry';
import { validateLabel } from './timeframes';

export interface PinnedRegion {
  id: string;
  /** The chart's label, e.g. "SPY 60m": unique among pinned regions, compared without case. */
  label: string;
  source: PinnedSource;
  /** Device pixels of the source (display or window). */
  rect: Rect;
  /** The source's size in device pixels when pinned, to rescale the rect if its resolution changes. */
  sourceSize: Size;
  createdAt: string;
}

export type PinnedRegionDraft = Omit<PinnedRegion, 'id' | 'createdAt'>;

export interface PinnedRegionsFile {
  schemaVersion: typeof PINNED_SCHEMA_VERSION;
  regions: PinnedRegion[];
}

export type PinnedChange<Code extends string> =
  { ok: true; regions: PinnedRegion[] } | { ok: false; code: Code; message: string };

export const MAX_PINNED_REGIONS = 8;
export const PINNED_SCHEMA_VERSION = 2;

export const PINNED_RESET_NOTICE = 'Your pinned regions could not be read and were reset. Pin them again.';
export const PINNED_NEWER_NOTICE =
  'Your pinned regions were saved by a newer version of Strat Coach, which this one cannot read. Update Strat Coach to get them back, or pin them again.';

// The earlier shape kept no date: the epoch says "unknown" without pretending to be a real pin time.
const UNKNOWN_DATE = new Date(0).toISOString();

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isFinite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const sameLabel = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function readRect(value: unknown): Rect | null {
  if (!isObject(value)) return null;
  const { x, y, width, height } = value;
  if (!isFinite(x) || !isFinite(y) || !isFinite(width) || !isFinite(height)) return null;
  if (x < 0 || y < 0 || width <= 0 || height <= 0) return null;
  return { x, y, width, height };
}

function readSize(value: unknown): Size | null {
  if (!isObject(value)) return null;
  const { width, height } = value;
  if (!isFinite(width) || !isFinite(height) || width <= 0 || height <= 0) return null;
  return { width, height };
}

function readSource(value: unknown): PinnedSource | null {
  if (!isObject(value)) return null;
  if (value.kind === 'display' && isText(value.displayId)) return { kind: 'display', displayId: value.displayId };
  if (value.kind === 'window' && typeof value.windowName === 'string' && isText(value.sourceId)) {
    return { kind: 'window', windowName: value.windowName, sourceId: value.sourceId };
  }
  return null;
}

function readRegion(value: unknown): PinnedRegion | null {
  if (!isObject(value) || !isText(value.id) || typeof value.label !== 'string') return null;
  const label = validateLabel(value.label);
  const source = readSource(value.source);
  const rect = readRect(value.rect);
  const sourceSize = readSize(value.sourceSize);
  const { createdAt } = value;
  if (!label.ok || !source || !rect || !sourceSize) return null;
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return null;
  return { id: value.id, label: label.label, source, rect, sourceSize, createdAt };
}

/** Schema 1: `{ name, displayId: number, x, y, width, height }`, displays only, no source size. */
function upgradeRegion(value: unknown, index: number): PinnedRegion | null {
  if (!isObject(value) || typeof value.name !== 'string' || !isFinite(value.displayId)) return null;
  const label = validateLabel(value.name);
  const rect = readRect(value);
  if (!label.ok || !rect) return null;
  return {
    id: `pinned-v1-${index + 1}`,
    label: label.label,
    source: { kind: 'display', displayId: String(value.displayId) },
    rect,
    // The frame size was never saved: the region's own extent is the best known lower bound of it.
    sourceSize: { width: Math.ceil(rect.x + rect.width), height: Math.ceil(rect.y + rect.height) },
    createdAt: UNKNOWN_DATE,
  };
}

const droppedNotice = (count: number) =>
  count === 1
    ? '1 pinned region could not be read and was removed.'
    : `${count} pinned regions could not be read and were removed.`;

/**
 * Pinned regions from stored JSON: schema 2 as is, schema 1 upgraded. Entries that fail to read, repeat a
 * label or id, or pass the limit are dropped and counted in the notice; a file that cannot be read at all
 * (or that a newer version wrote) gives no regions and a notice saying so.
 */
export function parsePinnedRegions(json: unknown): { regions: PinnedRegion[]; notice: string | null } {
  if (!isObject(json) || !Array.isArray(json.regions)) return { regions: [], notice: PINNED_RESET_NOTICE };
  const version = json.schemaVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version > PINNED_SCHEMA_VERSION) {
    return { regions: [], notice: PINNED_NEWER_NOTICE };
  }
  if (version !== 1 && version !== PINNED_SCHEMA_VERSION) return { regions: [], notice: PINNED_RESET_NOTICE };

  const entries: unknown[] = json.regions;
  const regions: PinnedRegion[] = [];
  for (const [index, entry] of entries.entries()) {
    const region = version === 1 ? upgradeRegion(entry, index) : readRegion(entry);
    if (!region || regions.length >= MAX_PINNED_REGIONS) continue;
    if (regions.some((kept) => kept.id === region.id || sameLabel(kept.label, region.label))) continue;
    regions.push(region);
  }
  const dropped = entries.length - regions.length;
  return { regions, notice: dropped > 0 ? droppedNotice(dropped) : null };
}

export function serializePinnedRegions(regions: readonly PinnedRegion[]): PinnedRegionsFile {
  return { schemaVersion: PINNED_SCHEMA_VERSION, regions: regions.map((region) => structuredClone(region)) };
}

/**
 * Pins a region. Pinning again under a label already in use replaces that region in place (the trader
 * re-drew "SPY 60m"), so it never counts double against the limit.
 */
export function addPinnedRegion(
  regions: readonly PinnedRegion[],
  draft: PinnedRegionDraft,
  options: { id: string; now: Date },
): PinnedChange<'too_many_regions' | 'invalid_label'> {
  const label = validateLabel(draft.label);
  if (!label.ok) return { ok: false, code: 'invalid_label', message: label.message };
  const region: PinnedRegion = { ...draft, label: label.label, id: options.id, createdAt: options.now.toISOString() };

  const existing = regions.findIndex((kept) => sameLabel(kept.label, label.label));
  if (existing >= 0) return { ok: true, regions: regions.map((kept, index) => (index === existing ? region : kept)) };
  if (regions.length >= MAX_PINNED_REGIONS) {
    return {
      ok: false,
      code: 'too_many_regions',
      message: `You can pin up to ${MAX_PINNED_REGIONS} regions. Remove one to pin “${label.label}”.`,
    };
  }
  return { ok: true, regions: [...regions, region] };
}

export function removePinnedRegion(regions: readonly PinnedRegion[], id: string): PinnedRegion[] {
  return regions.filter((region) => region.id !== id);
}

export function renamePinnedRegion(
  regions: readonly PinnedRegion[],
  id: string,
  newLabel: string,
): PinnedChange<'invalid_label' | 'label_taken' | 'not_found'> {
  if (!regions.some((region) => region.id === id)) {
    return { ok: false, code: 'not_found', message: 'That pinned region is no longer there.' };
  }
  const label = validateLabel(newLabel);
  if (!label.ok) return { ok: false, code: 'invalid_label', message: label.message };
  if (regions.some((region) => region.id !== id && sameLabel(region.label, label.label))) {
    return {
      ok: false,
      code: 'label_taken',
      message: `Another pinned region is already called “${label.label}”. Choose another label.`,
    };
  }
  return {
    ok: true,
    regions: regions.map((region) => (region.id === id ? { ...region, label: label.label } : region)),
  };
}

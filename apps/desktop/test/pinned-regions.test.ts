// Pinned regions: read back from storage (the earlier file shape upgraded, broken entries dropped and
// counted, an unreadable or newer file reset with a notice), and pinned, renamed and removed by label.
import { describe, expect, it } from 'vitest';
import {
  addPinnedRegion,
  MAX_PINNED_REGIONS,
  parsePinnedRegions,
  PINNED_SCHEMA_VERSION,
  removePinnedRegion,
  renamePinnedRegion,
  serializePinnedRegions,
  type PinnedRegion,
  type PinnedRegionDraft,
} from '../src/shared/pinned-regions';

const NOW = new Date('2025-03-14T15:30:00.000Z');

const region = (id: string, label: string, overrides: Partial<PinnedRegion> = {}): PinnedRegion => ({
  id,
  label,
  source: { kind: 'display', displayId: '2' },
  rect: { x: 120, y: 80, width: 900, height: 500 },
  sourceSize: { width: 3840, height: 2160 },
  createdAt: '2025-03-01T09:00:00.000Z',
  ...overrides,
});

const draft = (label: string): PinnedRegionDraft => ({
  label,
  source: { kind: 'window', windowName: 'ES - TradingView', sourceId: 'window:42:0' },
  rect: { x: 0, y: 0, width: 640, height: 400 },
  sourceSize: { width: 1600, height: 1000 },
});

const RESET = 'Your pinned regions could not be read and were reset. Pin them again.';

describe('parsePinnedRegions and serializePinnedRegions', () => {
  it('reads back what it wrote, through JSON', () => {
    const regions = [
      region('a', 'SPY 60m'),
      region('b', 'ES D', { source: { kind: 'window', windowName: 'ES - TradingView', sourceId: 'window:42:0' } }),
    ];
    const stored: unknown = JSON.parse(JSON.stringify(serializePinnedRegions(regions)));

    expect(stored).toMatchObject({ schemaVersion: PINNED_SCHEMA_VERSION });
    expect(parsePinnedRegions(stored)).toEqual({ regions, notice: null });
  });

  it('upgrades the earlier shape: display sources, the label from the name, the size from the extent', () => {
    const parsed = parsePinnedRegions({
      schemaVersion: 1,
      regions: [
        { name: 'SPY 60m', displayId: 2528732444, x: 100, y: 50, width: 800.5, height: 400 },
        { name: ' ES D ', displayId: 1, x: 0, y: 0, width: 640, height: 480 },
      ],
    });

    expect(parsed.notice).toBeNull();
    expect(parsed.regions).toEqual([
      {
        id: expect.any(String),
        label: 'SPY 60m',
        source: { kind: 'display', displayId: '2528732444' },
        rect: { x: 100, y: 50, width: 800.5, height: 400 },
        sourceSize: { width: 901, height: 450 },
        createdAt: expect.any(String),
      },
      expect.objectContaining({ label: 'ES D', source: { kind: 'display', displayId: '1' } }),
    ]);
    expect(new Set(parsed.regions.map((kept) => kept.id)).size).toBe(2);
    // An upgraded file reads back the same once saved in the new shape.
    expect(parsePinnedRegions(serializePinnedRegions(parsed.regions))).toEqual(parsed);
  });

  it('resets a file that cannot be read at all, with a notice', () => {
    for (const json of [
      undefined,
      null,
      'regions',
      42,
      [],
      {},
      { schemaVersion: 2 },
      { schemaVersion: 2, regions: {} },
    ]) {
      expect(parsePinnedRegions(json)).toEqual({ regions: [], notice: RESET });
    }
    expect(parsePinnedRegions({ schemaVersion: '2', regions: [region('a', 'SPY D')] })).toEqual({
      regions: [],
      notice: RESET,
    });
  });

  it('says when a newer version saved the file, rather than calling it broken', () => {
    const parsed = parsePinnedRegions({ schemaVersion: 3, regions: [{ anything: true }] });
    expect(parsed.regions).toEqual([]);
    expect(parsed.notice).toContain('newer version');
  });

  it('drops entries it cannot trust and counts them', () => {
    const good = region('a', 'SPY 60m');
    const parsed = parsePinnedRegions({
      schemaVersion: 2,
      regions: [
        good,
        { ...region('b', 'QQQ D'), rect: { x: 0, y: 0, width: 0, height: 10 } },
        { ...region('c', 'IWM W'), source: { kind: 'printer' } },
        { ...region('d', 'x'.repeat(41)) },
        { ...region('e', 'NQ 5m'), createdAt: 'yesterday' },
        { ...region('f', 'spy 60M') }, // the same label as the first, but for case
        'not a region',
      ],
    });
    expect(parsed).toEqual({ regions: [good], notice: '6 pinned regions could not be read and were removed.' });
    expect(parsePinnedRegions({ schemaVersion: 2, regions: [good, null] }).notice).toBe(
      '1 pinned region could not be read and was removed.',
    );
  });

  it('keeps no more than the limit', () => {
    const many = Array.from({ length: MAX_PINNED_REGIONS + 2 }, (_, index) => region(`r${index}`, `SPY ${index + 1}m`));
    const parsed = parsePinnedRegions({ schemaVersion: 2, regions: many });
    expect(parsed.regions).toEqual(many.slice(0, MAX_PINNED_REGIONS));
    expect(parsed.notice).toContain('2 pinned regions');
  });
});

describe('addPinnedRegion', () => {
  it('pins a region with its id, the time and the trimmed label', () => {
    const result = addPinnedRegion([region('a', 'SPY 60m')], draft('  ES D '), { id: 'b', now: NOW });
    expect(result).toEqual({
      ok: true,
      regions: [region('a', 'SPY 60m'), { ...draft('ES D'), id: 'b', createdAt: '2025-03-14T15:30:00.000Z' }],
    });
  });

  it('replaces the region of the same label in place instead of counting it twice', () => {
    const full = Array.from({ length: MAX_PINNED_REGIONS }, (_, index) => region(`r${index}`, `SPY ${index + 1}m`));
    const result = addPinnedRegion(full, draft('spy 3M'), { id: 'new', now: NOW });
    if (!result.ok) throw new Error(result.message);
    expect(result.regions).toHaveLength(MAX_PINNED_REGIONS);
    expect(result.regions[2]).toMatchObject({ id: 'new', label: 'spy 3M', rect: draft('x').rect });
    expect(result.regions.map((kept) => kept.id)).not.toContain('r2');
  });

  it('refuses a ninth region, and a label the server would refuse', () => {
    const full = Array.from({ length: MAX_PINNED_REGIONS }, (_, index) => region(`r${index}`, `SPY ${index + 1}m`));
    expect(addPinnedRegion(full, draft('ES D'), { id: 'x', now: NOW })).toEqual({
      ok: false,
      code: 'too_many_regions',
      message: 'You can pin up to 8 regions. Remove one to pin “ES D”.',
    });
    expect(addPinnedRegion([], draft('  '), { id: 'x', now: NOW })).toMatchObject({
      ok: false,
      code: 'invalid_label',
      message: expect.stringContaining('Give the chart a label'),
    });
  });
});

describe('renamePinnedRegion and removePinnedRegion', () => {
  const regions = [region('a', 'SPY 60m'), region('b', 'ES D')];

  it('renames a region, checking the label', () => {
    expect(renamePinnedRegion(regions, 'b', ' ES W ')).toEqual({
      ok: true,
      regions: [regions[0], { ...regions[1], label: 'ES W' }],
    });
    expect(renamePinnedRegion(regions, 'b', 'es d')).toMatchObject({ ok: true });
    expect(renamePinnedRegion(regions, 'b', '')).toMatchObject({ ok: false, code: 'invalid_label' });
  });

  it('refuses a label another region has, and a region that is gone', () => {
    expect(renamePinnedRegion(regions, 'b', 'spy 60m')).toEqual({
      ok: false,
      code: 'label_taken',
      message: 'Another pinned region is already called “spy 60m”. Choose another label.',
    });
    expect(renamePinnedRegion(regions, 'zzz', 'NQ 5m')).toMatchObject({ ok: false, code: 'not_found' });
  });

  it('removes a region by id, leaving the list it was given alone', () => {
    expect(removePinnedRegion(regions, 'a')).toEqual([regions[1]]);
    expect(removePinnedRegion(regions, 'zzz')).toEqual(regions);
    expect(regions).toHaveLength(2);
  });
});

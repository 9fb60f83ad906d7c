// A quick question picks its charts in order — those in the box, else the pinned regions captured again,
// else the conversation's, else (tray and shortcut only) the display under the cursor — and asks at once;
// a pinned region whose screen is gone says so and is never replaced by another screen.
import { beforeEach, describe, expect, it } from 'vitest';
import { useChartStore } from '../src/renderer/src/state/chart-store';
import { usePinnedStore } from '../src/renderer/src/state/pinned-store';
import { askPreset } from '../src/renderer/src/state/quick-question';
import type { CapturedChart } from '../src/shared/host-api';
import type { PinnedRegion } from '../src/shared/pinned-regions';
import { streamStart } from './support/coach-events';
import { useScriptedHost, type ScriptedHost } from './support/scripted-host';

const PRESET = { id: 'bars', title: 'Number the last bars', question: 'Number the last bars, please.' };
const chart = (data: string): CapturedChart => ({
  image: { mediaType: 'image/png', data, width: 800, height: 500 },
  region: null,
});
const pinned = (id: string, label: string): PinnedRegion => ({
  id,
  label,
  source: { kind: 'display', displayId: '2' },
  rect: { x: 0, y: 0, width: 800, height: 500 },
  sourceSize: { width: 2560, height: 1440 },
  createdAt: '2026-11-29T00:00:00.000Z',
});

const host = useScriptedHost();
let scripted: ScriptedHost;
beforeEach(() => {
  scripted = host();
});

describe('recapturing pinned regions', () => {
  it('with four charts in the box from the last bar, replaces them rather than keeping the stale ones', async () => {
    const labels = ['ES M', 'ES W', 'ES D', 'ES 60m'];
    usePinnedStore.setState({ regions: labels.map((label, index) => pinned(`p${index}`, label)) });
    labels.forEach((label, index) => scripted.scriptRegion(`p${index}`, { ok: true, value: chart(`old-${label}`) }));
    await usePinnedStore.getState().recapture();
    labels.forEach((label, index) => scripted.scriptRegion(`p${index}`, { ok: true, value: chart(`new-${label}`) }));
    await usePinnedStore.getState().recapture();
    expect(useChartStore.getState().charts.map((each) => each.image.data)).toEqual(
      labels.map((label) => `new-${label}`),
    );
    expect(usePinnedStore.getState().notice).toBeNull();
  });

  it('with more pinned than a question takes, keeps the higher timeframes and names the ones left out', async () => {
    const labels = ['NQ 5m', 'NQ 15m', 'NQ D', 'NQ 60m', 'NQ W', 'NQ 30m'];
    usePinnedStore.setState({ regions: labels.map((label, index) => pinned(`p${index}`, label)) });
    labels.forEach((label, index) => scripted.scriptRegion(`p${index}`, { ok: true, value: chart(label) }));
    await usePinnedStore.getState().recapture();
    expect(useChartStore.getState().charts.map((each) => each.label)).toEqual(['NQ W', 'NQ D', 'NQ 60m', 'NQ 30m']);
    // The ones left out were never frozen.
    expect(scripted.captured.regions).toHaveLength(4);
    expect(usePinnedStore.getState().notice).toBe('Only 4 charts go with one question: NQ 15m, NQ 5m left out.');
  });
});

describe('a quick question', () => {
  it('asks at once with the charts already in the box', async () => {
    useChartStore.getState().add(chart('boxed'), 'SPY D');
    usePinnedStore.setState({ regions: [pinned('p1', 'SPY 5m')] });
    await askPreset(PRESET, { captureUnderCursor: true });
    expect(scripted.captured.regions).toEqual([]);
    expect(scripted.asked[0]?.request).toEqual({
      message: 'Number the last bars, please.',
      images: [{ mediaType: 'image/png', data: 'boxed', label: 'SPY D' }],
    });
  });

  it('captures every pinned region again, in Strat order, with their labels', async () => {
    usePinnedStore.setState({ regions: [pinned('p5', 'ES 5m'), pinned('pd', 'ES D')] });
    scripted.scriptRegion('p5', { ok: true, value: chart('five') });
    scripted.scriptRegion('pd', { ok: true, value: chart('daily') });
    await askPreset(PRESET, { captureUnderCursor: false });
    // Higher timeframe first, so if the question fills up it is the lower ones that are left out.
    expect(scripted.captured.regions).toEqual(['pd', 'p5']);
    expect(scripted.asked[0]?.request.images?.map((image) => image.label)).toEqual(['ES D', 'ES 5m']);
  });

  it('a pinned region whose screen is gone is named, the others still go, and nothing else is captured', async () => {
    usePinnedStore.setState({ regions: [pinned('gone', 'NQ 15m'), pinned('here', 'NQ D')] });
    scripted.scriptRegion('gone', {
      ok: false,
      error: { code: 'region_source_missing', message: 'The display is not connected.', status: null },
    });
    scripted.scriptRegion('here', { ok: true, value: chart('daily') });
    await askPreset(PRESET, { captureUnderCursor: true });
    expect(usePinnedStore.getState().notice).toBe('NQ 15m: The display is not connected.');
    expect(scripted.captured.underCursor).toBe(0);
    expect(scripted.asked[0]?.request.images?.map((image) => image.label)).toEqual(['NQ D']);
  });

  it('does not ask about no chart when every pinned screen is gone', async () => {
    usePinnedStore.setState({ regions: [pinned('gone', 'NQ 15m')] });
    scripted.scriptRegion('gone', {
      ok: false,
      error: { code: 'region_source_missing', message: 'The display is not connected.', status: null },
    });
    await askPreset(PRESET, { captureUnderCursor: true });
    expect(scripted.asked).toHaveLength(0);
    expect(scripted.captured.underCursor).toBe(0);
  });

  it('from the tray with nothing pinned: the display under the cursor; from a chip: the question alone', async () => {
    scripted.scriptUnderCursor({ ok: true, value: chart('screen') });
    await askPreset(PRESET, { captureUnderCursor: true });
    expect(scripted.asked[0]?.request.images).toEqual([{ mediaType: 'image/png', data: 'screen' }]);
    // Failed once its conversation was named: the chart stays the conversation's rather than going back to the box.
    scripted.asked[0]!.send(streamStart('c-1'));
    scripted.asked[0]!.send({ event: 'stream_error', data: { code: 'internal', message: 'x', retryable: false } });

    useChartStore.getState().forgetSent();
    await askPreset(PRESET, { captureUnderCursor: false });
    expect(scripted.captured.underCursor).toBe(1);
    expect(scripted.asked[1]?.request).toEqual({ message: 'Number the last bars, please.', conversationId: 'c-1' });
  });
});

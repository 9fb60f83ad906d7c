// Chart labels: the server's label rule in the trader's words, labels built from a timeframe and symbol,
// the timeframe read back out of whatever the trader typed, and charts ordered higher timeframe first.
import { describe, expect, it } from 'vitest';
import { MAX_LABEL_CHARS as SERVER_MAX_LABEL_CHARS } from '@strat-coach/server/contract';
import {
  labelFor,
  MAX_LABEL_CHARS,
  orderByTimeframe,
  TIMEFRAMES,
  timeframeMinutes,
  validateLabel,
} from '../src/shared/timeframes';

describe('validateLabel', () => {
  it('trims and accepts a label the server accepts', () => {
    expect(validateLabel('  SPY 60m ')).toEqual({ ok: true, label: 'SPY 60m' });
    expect(validateLabel('ES D')).toEqual({ ok: true, label: 'ES D' });
  });

  it('asks for a label when there is none', () => {
    for (const raw of ['', '   ', '\n\t']) {
      expect(validateLabel(raw)).toEqual({
        ok: false,
        message: 'Give the chart a label (a timeframe such as D or 60, and a symbol).',
      });
    }
  });

  it('holds to the server’s 40 characters, counted as characters rather than UTF-16 units', () => {
    expect(MAX_LABEL_CHARS).toBe(SERVER_MAX_LABEL_CHARS);
    expect(validateLabel('x'.repeat(40))).toMatchObject({ ok: true });
    expect(validateLabel('x'.repeat(41))).toEqual({
      ok: false,
      message: 'A chart label can be at most 40 characters; this one has 41.',
    });
    // 40 emoji are 80 UTF-16 units but 40 characters to the server.
    expect(validateLabel('📈'.repeat(40))).toMatchObject({ ok: true });
    expect(validateLabel('📈'.repeat(41))).toMatchObject({ ok: false, message: expect.stringContaining('41') });
  });

  it('refuses control characters inside the label, C0 and C1 alike', () => {
    for (const raw of ['SPY\t60', 'SPY\n60', 'SPY\u000060', 'SPY\u007f60', 'SPY\u008560', 'SPY\u009f60']) {
      expect(validateLabel(raw)).toMatchObject({ ok: false, message: expect.stringContaining('control characters') });
    }
    // U+00A0 (no-break space) is past the C1 block, so the server takes it.
    expect(validateLabel('SPY\u00a060m')).toMatchObject({ ok: true });
  });
});

describe('labelFor', () => {
  it('names the chart as a trader writes it', () => {
    expect(labelFor('60', 'SPY')).toBe('SPY 60m');
    expect(labelFor('D', 'ES')).toBe('ES D');
    expect(labelFor('4h')).toBe('4h');
    expect(labelFor('5', ' AAPL ')).toBe('AAPL 5m');
    expect(labelFor('M', '')).toBe('M');
  });

  it('passes a timeframe of the trader’s own through', () => {
    expect(labelFor('2h', 'NQ')).toBe('NQ 2h');
    expect(labelFor('Weekly', 'BTCUSD')).toBe('BTCUSD Weekly');
  });

  it('gives labels that read back as their timeframe', () => {
    for (const timeframe of TIMEFRAMES) {
      expect(timeframeMinutes(labelFor(timeframe, 'SPY'))).not.toBeNull();
    }
    expect(orderByTimeframe([...TIMEFRAMES].reverse(), (timeframe) => labelFor(timeframe, 'SPY'))).toEqual([
      ...TIMEFRAMES,
    ]);
  });
});

describe('timeframeMinutes', () => {
  it.each([
    ['SPY M', 43200],
    ['SPY monthly', 43200],
    ['SPY 1M', 43200],
    ['SPY 1Mo', 43200],
    ['ES W', 10080],
    ['ES weekly', 10080],
    ['ES 1W', 10080],
    ['AAPL D', 1440],
    ['AAPL Daily', 1440],
    ['aapl 1d', 1440],
    ['NQ 4h', 240],
    ['NQ 4H', 240],
    ['NQ 240', 240],
    ['SPY 60', 60],
    ['SPY 60m', 60],
    ['SPY 1h', 60],
    ['SPY H', 60],
    ['SPY 30', 30],
    ['SPY 30m', 30],
    ['SPY 15', 15],
    ['SPY 15m', 15],
    ['SPY 5', 5],
    ['SPY 5m', 5],
    ['SPY 5M', 5],
  ])('%s is %i minutes', (label, minutes) => {
    expect(timeframeMinutes(label)).toBe(minutes);
  });

  it('reads custom timeframes', () => {
    expect(timeframeMinutes('ES 2h')).toBe(120);
    expect(timeframeMinutes('ES 3m')).toBe(3);
    expect(timeframeMinutes('ES 10m')).toBe(10);
    expect(timeframeMinutes('ES 120')).toBe(120);
    expect(timeframeMinutes('ES 15 min')).toBe(15);
    expect(timeframeMinutes('ES 4 hour')).toBe(240);
  });

  it('finds the timeframe anywhere in the label, whatever the separators', () => {
    expect(timeframeMinutes('60m SPY')).toBe(60);
    expect(timeframeMinutes('BTC/USD, 15')).toBe(15);
    expect(timeframeMinutes('SPY (D)')).toBe(1440);
    expect(timeframeMinutes('d')).toBe(1440);
  });

  it('never takes a symbol for a timeframe', () => {
    expect(timeframeMinutes('MSFT D')).toBe(1440);
    expect(timeframeMinutes('SPY W')).toBe(10080);
    expect(timeframeMinutes('MSFT')).toBeNull();
    expect(timeframeMinutes('BTCUSD')).toBeNull();
    expect(timeframeMinutes('ES1! 5m')).toBe(5);
    expect(timeframeMinutes('6E')).toBeNull();
    // Single-letter tickers (Wayfair, Macy's) before a timeframe: the timeframe written last wins.
    expect(timeframeMinutes('W D')).toBe(1440);
    expect(timeframeMinutes('M 60')).toBe(60);
  });

  it('is null when there is no timeframe', () => {
    expect(timeframeMinutes('')).toBeNull();
    expect(timeframeMinutes('my chart')).toBeNull();
    expect(timeframeMinutes('SPY 0')).toBeNull();
  });
});

describe('orderByTimeframe', () => {
  it('puts higher timeframes first, unknown and unlabelled last, keeping their order otherwise', () => {
    const charts = [
      { id: 'a', label: 'SPY 5m' },
      { id: 'b', label: 'my chart' },
      { id: 'c', label: 'SPY D' },
      { id: 'd', label: undefined },
      { id: 'e', label: 'QQQ 60' },
      { id: 'f', label: 'SPY M' },
      { id: 'g', label: 'IWM 1h' },
      { id: 'h', label: null },
      { id: 'i', label: 'SPY 4h' },
    ];
    const ordered = orderByTimeframe(charts, (chart) => chart.label).map((chart) => chart.id);
    expect(ordered).toEqual(['f', 'c', 'i', 'e', 'g', 'a', 'b', 'd', 'h']);
  });

  it('leaves the input untouched', () => {
    const labels = ['SPY 5m', 'SPY D'];
    expect(orderByTimeframe(labels, (label) => label)).toEqual(['SPY D', 'SPY 5m']);
    expect(labels).toEqual(['SPY 5m', 'SPY D']);
  });
});

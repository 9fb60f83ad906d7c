// Chart specs for the reader's ground truth: seeded bars (with equal highs, gaps, inside runs, hammers) and
// one style per look a trader might screenshot. A seed gives the same chart every time; the held-out split's
// seeds are never used while tuning the reader.

export const STYLES = ['lwc-dark', 'lwc-light', 'lwc-hollow', 'lwc-scheme', 'own-tos', 'own-tv'] as const;
export type Style = (typeof STYLES)[number];
export type Split = 'tune' | 'heldout';

export interface SpecBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface ChartSpec {
  id: string;
  style: Style;
  renderer: 'lightweight' | 'own';
  look: 'tv' | 'tos';
  dpr: 1 | 2;
  format: 'png' | 'jpeg';
  /** CSS pixels: the screenshot is width x dpr by height x dpr. */
  width: number;
  height: number;
  barSpacing: number;
  rightOffset: number;
  bars: SpecBar[];
  background: string;
  text: string;
  up: string;
  down: string;
  /** Wick and border colours when they differ from the body's; null: the body's. */
  wick: string | null;
  border: string | null;
  hollow: boolean;
  grid: boolean;
  gridColor: string;
  volume: 'overlay' | 'pane' | null;
  ma: { period: number; color: string; width: number }[] | null;
  watermark: boolean;
  watermarkColor: string;
  legend: boolean;
  logo: boolean;
  lastPriceLine: boolean;
  symbol: string;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** A random walk with the cases that trip a reader: equal highs and lows, gaps, inside runs, long wicks. */
export function specBars(count: number, random: () => number): SpecBar[] {
  const bars: SpecBar[] = [];
  let price = 50 + random() * 400;
  let volatility = price * (0.004 + random() * 0.02);
  for (let index = 0; index < count; index += 1) {
    volatility *= 0.85 + random() * 0.3;
    volatility = Math.min(Math.max(volatility, price * 0.003), price * 0.04);
    const prev = bars[index - 1];
    const pick = random();
    let open = prev ? prev.close + (random() < 0.12 ? (random() - 0.5) * volatility * 4 : 0) : price;
    let high: number;
    let low: number;
    let close: number;
    if (prev && pick < 0.18) {
      // Inside bar (often a run of them).
      const span = prev.high - prev.low;
      low = prev.low + span * (0.05 + random() * 0.3);
      high = prev.high - span * (0.05 + random() * 0.3);
      open = low + (high - low) * random();
      close = low + (high - low) * random();
    } else {
      close = open + (random() - 0.48) * volatility * 2;
      high = Math.max(open, close) + random() * volatility * (random() < 0.15 ? 2 : 0.6);
      low = Math.min(open, close) - random() * volatility * (random() < 0.15 ? 2 : 0.6);
      if (prev && pick < 0.24) high = Math.max(prev.high, Math.max(open, close));
      else if (prev && pick < 0.3) low = Math.min(prev.low, Math.min(open, close));
    }
    const bar = { open: round2(open), high: round2(high), low: round2(low), close: round2(close), volume: 0 };
    bar.high = Math.max(bar.high, bar.open, bar.close);
    bar.low = Math.min(bar.low, bar.open, bar.close);
    bar.volume = Math.round((1 + random() * 3) * 1e6 * (1 + (bar.high - bar.low) / volatility));
    bars.push(bar);
    price = bar.close;
  }
  return bars;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const DARK = { background: '#131722', text: '#d1d4dc', gridColor: '#2a2e39', watermarkColor: 'rgba(255,255,255,0.08)' };
const LIGHT = { background: '#ffffff', text: '#131722', gridColor: '#eef0f4', watermarkColor: 'rgba(0,0,0,0.07)' };
const TV_COLOURS = [
  { up: '#26a69a', down: '#ef5350' },
  { up: '#089981', down: '#f23645' },
];
const OTHER_SCHEMES = [
  { up: '#2962ff', down: '#ff9800' },
  { up: '#4caf50', down: '#e91e63' },
  { up: '#00bcd4', down: '#ab47bc' },
  { up: '#8bc34a', down: '#ff5722' },
];
const MA_COLOURS = ['#2962ff', '#ff9800', '#e040fb', '#ffeb3b', '#9e9e9e'];

export function chartSpec(style: Style, split: Split, index: number): ChartSpec {
  const seed = (split === 'heldout' ? 1_000_003 : 7) * (STYLES.indexOf(style) + 1) + index * 7919;
  const random = mulberry32(seed);
  const dpr: 1 | 2 = random() < 0.5 ? 1 : 2;
  const width = 1920 / dpr;
  const height = 1080 / dpr;
  let count = 25 + Math.floor(random() * 126);
  const rightOffset = 2 + Math.floor(random() * 5);
  const room = (width - 80) / (count + rightOffset + 1);
  if (room < 4) count = Math.floor((width - 80) / 4) - rightOffset - 1;
  const most = Math.min(60, Math.max(4, room));
  const barSpacing = Math.round(4 * Math.pow(most / 4, random()) * 10) / 10;
  const dark = style === 'own-tos' || style === 'lwc-dark' || (style !== 'lwc-light' && random() < 0.5);
  const theme = style === 'own-tos' ? { ...DARK, background: '#000000', gridColor: '#333333' } : dark ? DARK : LIGHT;
  let colours = pick(random, TV_COLOURS);
  let wick: string | null = null;
  let border: string | null = null;
  if (style === 'lwc-scheme') {
    colours = pick(random, OTHER_SCHEMES);
    if (random() < 0.5) wick = dark ? '#b2b5be' : '#5d606b';
  }
  if (style === 'own-tos')
    colours = pick(random, [
      { up: '#00e676', down: '#ff1744' },
      { up: '#33cc33', down: '#ff3333' },
    ]);
  if (style === 'lwc-hollow' && random() < 0.4) wick = dark ? '#d1d4dc' : '#131722';
  if (style === 'lwc-hollow' && random() < 0.3) border = dark ? '#d1d4dc' : '#131722';
  const volumeRoll = random();
  const volume = style === 'own-tos' ? 'pane' : volumeRoll < 0.4 ? 'overlay' : volumeRoll < 0.6 ? 'pane' : null;
  const maCount = random() < 0.6 ? 1 + Math.floor(random() * 2) : 0;
  return {
    id: `${split}-${style}-${String(index).padStart(3, '0')}`,
    style,
    renderer: style.startsWith('lwc') ? 'lightweight' : 'own',
    look: style === 'own-tos' ? 'tos' : 'tv',
    dpr,
    format: random() < 0.3 ? 'jpeg' : 'png',
    width,
    height,
    barSpacing,
    rightOffset,
    bars: specBars(count, random),
    ...theme,
    ...colours,
    wick,
    border,
    hollow: style === 'lwc-hollow' || (style === 'own-tos' && random() < 0.4),
    grid: random() < 0.7,
    volume,
    ma: maCount
      ? Array.from({ length: maCount }, (_, k) => ({
          period: [9, 20, 50][k] ?? 20,
          color: pick(
            random,
            MA_COLOURS.filter((color) => color !== colours.up && color !== colours.down),
          ),
          width: 1 + Math.floor(random() * 2),
        }))
      : null,
    watermark: random() < 0.4,
    legend: random() < 0.6,
    logo: style.startsWith('lwc') && random() < 0.5,
    lastPriceLine: random() < 0.8,
    symbol: pick(random, ['SPY', 'QQQ', 'AAPL', 'TSLA', 'NVDA', 'ES1!']),
  };
}

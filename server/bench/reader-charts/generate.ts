// Renders the reader's ground-truth charts in Chromium: lightweight-charts and our own canvas renderer, one
// screenshot per spec (1920 x 1080 device pixels, PNG or JPEG) and a truth.json per split with every candle's
// geometry. `npx tsx server/bench/reader-charts/generate.ts [tune|heldout] [charts per style]`; writes under
// server/bench/reader-data/ (git-ignored).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { chartSpec, STYLES, type ChartSpec, type Split } from './specs.js';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'reader-data');
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TruthCandle {
  x: number;
  highPx: number;
  lowPx: number;
  openPx: number;
  closePx: number;
}

export interface TruthChart {
  id: string;
  file: string;
  spec: ChartSpec;
  candles: TruthCandle[];
}

async function renderAll(browser: Browser, specs: ChartSpec[], folder: string): Promise<TruthChart[]> {
  const require = createRequire(import.meta.url);
  const library = join(
    dirname(require.resolve('lightweight-charts/package.json')),
    'dist',
    'lightweight-charts.standalone.production.js',
  );
  const renderers = await readFile(join(dirname(fileURLToPath(import.meta.url)), 'page.js'), 'utf8');
  const charts: TruthChart[] = [];
  // A fresh page every 150 charts: one page rendering a thousand crashed (its memory grows with every chart).
  const batches = [1, 2].flatMap((dpr) => {
    const ofDpr = specs.filter((spec) => spec.dpr === dpr);
    return Array.from({ length: Math.ceil(ofDpr.length / 150) }, (_, k) => ofDpr.slice(k * 150, k * 150 + 150));
  });
  for (const batch of batches) {
    const dpr = batch[0]!.dpr;
    const context = await browser.newContext({
      viewport: { width: 1920 / dpr, height: 1080 / dpr },
      deviceScaleFactor: dpr,
    });
    const page = await context.newPage();
    await page.setContent(
      '<html><body style="margin:0;overflow:hidden"><div id="root" style="position:relative"></div></body></html>',
    );
    await page.addScriptTag({ path: library });
    await page.addScriptTag({ content: renderers });
    for (const spec of batch) {
      const fn = spec.renderer === 'lightweight' ? 'renderLightweight' : 'renderOwn';
      const candles = await page.evaluate(
        ([name, arg]) => (globalThis as unknown as Record<string, (s: unknown) => Promise<TruthCandle[]>>)[name]!(arg),
        [fn, spec] as const,
      );
      const file = `${spec.id}.${spec.format === 'png' ? 'png' : 'jpg'}`;
      const image = await page.screenshot(
        spec.format === 'png' ? { type: 'png' } : { type: 'jpeg', quality: 80 + (spec.bars.length % 16) },
      );
      await writeFile(join(folder, file), image);
      charts.push({ id: spec.id, file, spec, candles });
    }
    await context.close();
  }
  return charts.sort((a, b) => a.id.localeCompare(b.id));
}

export async function generate(split: Split, perStyle: number): Promise<TruthChart[]> {
  const folder = join(DATA_DIR, split);
  await mkdir(folder, { recursive: true });
  const specs = STYLES.flatMap((style) =>
    Array.from({ length: perStyle }, (_, index) => chartSpec(style, split, index)),
  );
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  try {
    const charts = await renderAll(browser, specs, folder);
    await writeFile(join(folder, 'truth.json'), JSON.stringify(charts));
    return charts;
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const split = (process.argv[2] ?? 'tune') as Split;
  const perStyle = Number(process.argv[3] ?? 20);
  const started = performance.now();
  const charts = await generate(split, perStyle);
  console.log(`${charts.length} charts in ${join(DATA_DIR, split)} (${Math.round(performance.now() - started)} ms)`);
}

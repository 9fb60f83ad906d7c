// Draws spy-60m.png (the e2e's chart) from spy-60m.ts's bars, as TradingView draws a dark chart: grid, a
// legend, the price scale with the last price's tag and dashed line, the time axis. Run it again after
// changing the bars: `npx tsx e2e/web/charts/draw-chart.ts` (sharp is the server workspace's, hoisted).
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { BARS, BODY_WIDTH, CHART, PANE, PRICE, barPixels, priceToY } from './spy-60m';

const UP = '#26a69a';
const DOWN = '#ef5350';
const BG = '#131722';
const GRID = '#1f2431';
const AXIS_TEXT = '#b2b5be';
const FONT = "font-family='DejaVu Sans, sans-serif'";

/** The chart as SVG; `lastPriceLine: false` leaves out the dashed line (the tag on the scale stays). */
export function chartSvg({ lastPriceLine = true, legendColour = '#9598a1' } = {}): string {
  const parts: string[] = [`<rect width='${CHART.width}' height='${CHART.height}' fill='${BG}'/>`];
  // Grid: a line each dollar, and every fourth bar.
  for (let price = Math.ceil(PRICE.low); price <= PRICE.high; price += 2) {
    const y = Math.round(priceToY(price)) + 0.5;
    parts.push(`<line x1='0' x2='${PANE.right}' y1='${y}' y2='${y}' stroke='${GRID}' stroke-width='1'/>`);
    parts.push(
      `<text x='${PANE.right + 8}' y='${(priceToY(price) + 4).toFixed(1)}' fill='${AXIS_TEXT}' font-size='11' ${FONT}>${price.toFixed(2)}</text>`,
    );
  }
  barPixels.forEach((bar, index) => {
    if (index % 4 !== 1) return;
    parts.push(
      `<line x1='${bar.x}' x2='${bar.x}' y1='${PANE.top}' y2='${PANE.bottom}' stroke='${GRID}' stroke-width='1'/>`,
    );
    const hour = 9 + (index % 7); // a session's seven 60-minute bars, 09:30 to 15:30
    parts.push(
      `<text x='${bar.x - 14}' y='${PANE.bottom + 24}' fill='${AXIS_TEXT}' font-size='11' ${FONT}>${String(hour).padStart(2, '0')}:30</text>`,
    );
  });
  // Scale and axis edges.
  parts.push(
    `<line x1='${PANE.right}' x2='${PANE.right}' y1='0' y2='${CHART.height}' stroke='#2a2e39' stroke-width='1'/>`,
  );
  parts.push(
    `<line x1='0' x2='${CHART.width}' y1='${PANE.bottom + 6}' y2='${PANE.bottom + 6}' stroke='#2a2e39' stroke-width='1'/>`,
  );
  // Candles: wick then body, one colour each.
  BARS.forEach((bar, index) => {
    const pixels = barPixels[index]!;
    const colour = bar.close >= bar.open ? UP : DOWN;
    const top = Math.min(pixels.open, pixels.close);
    const height = Math.max(1, Math.abs(pixels.open - pixels.close));
    parts.push(
      `<rect x='${pixels.left}' y='${pixels.high}' width='1' height='${pixels.low - pixels.high + 1}' fill='${colour}'/>`,
    );
    parts.push(
      `<rect x='${pixels.left - (BODY_WIDTH - 1) / 2}' y='${top}' width='${BODY_WIDTH}' height='${height}' fill='${colour}' shape-rendering='crispEdges'/>`,
    );
  });
  // The last price: a dashed line across the pane and its tag on the scale.
  const last = BARS.at(-1)!;
  const lastY = Math.round(priceToY(last.close)) + 0.5;
  if (lastPriceLine) {
    parts.push(
      `<line x1='0' x2='${PANE.right}' y1='${lastY}' y2='${lastY}' stroke='${UP}' stroke-width='1' stroke-dasharray='2 3'/>`,
    );
  }
  parts.push(`<rect x='${PANE.right + 1}' y='${(lastY - 9).toFixed(1)}' width='62' height='18' fill='${UP}'/>`);
  parts.push(
    `<text x='${PANE.right + 8}' y='${(lastY + 4).toFixed(1)}' fill='#ffffff' font-size='11' ${FONT}>${last.close.toFixed(2)}</text>`,
  );
  // The legend.
  parts.push(
    `<text x='10' y='22' fill='#d1d4dc' font-size='13' ${FONT}><tspan font-weight='bold'>SPY · 60 · NYSE Arca</tspan>` +
      `<tspan fill='${legendColour}' dx='10'>O ${last.open.toFixed(2)} H ${last.high.toFixed(2)} L ${last.low.toFixed(2)} C ${last.close.toFixed(2)}</tspan></text>`,
  );
  return `<svg xmlns='http://www.w3.org/2000/svg' width='${CHART.width}' height='${CHART.height}'>${parts.join('')}</svg>`;
}

export const drawChart = (path: string, options?: Parameters<typeof chartSvg>[0]) =>
  sharp(Buffer.from(chartSvg(options)))
    .png({ compressionLevel: 9 })
    .toFile(path);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('./spy-60m.png', import.meta.url));
  await drawChart(out);
  console.log(out);
}

// In-page renderers for the chart reader's ground truth, loaded into Chromium by generate.ts beside
// lightweight-charts' standalone build. Each draws one chart spec and returns where every candle landed, in
// device pixels (CSS px x devicePixelRatio), so the reader can be scored against exact geometry.
/* global window, document, LightweightCharts */

const dpr = () => window.devicePixelRatio || 1;

function legendDiv(spec) {
  const legend = document.createElement('div');
  legend.style.cssText = `position:absolute;left:12px;top:8px;z-index:10;font:13px sans-serif;color:${spec.text}`;
  const last = spec.bars[spec.bars.length - 1];
  const colour = last.close >= last.open ? spec.up : spec.down;
  legend.innerHTML =
    `<b>${spec.symbol} · 1D</b> <span style="color:${colour}">O ${last.open.toFixed(2)} H ${last.high.toFixed(2)} ` +
    `L ${last.low.toFixed(2)} C ${last.close.toFixed(2)}</span>` +
    (spec.ma ? `<div style="color:${spec.ma[0].color}">MA ${spec.ma[0].period}</div>` : '');
  return legend;
}

function movingAverage(bars, period) {
  const points = [];
  for (let index = period - 1; index < bars.length; index += 1) {
    let sum = 0;
    for (let k = index - period + 1; k <= index; k += 1) sum += bars[k].close;
    points.push({ index, value: sum / period });
  }
  return points;
}

/** TradingView's open-source library, configured from the spec. */
window.renderLightweight = (spec) => {
  const LC = LightweightCharts;
  const root = document.getElementById('root');
  root.innerHTML = '';
  const chart = LC.createChart(root, {
    width: spec.width,
    height: spec.height,
    layout: {
      background: { type: 'solid', color: spec.background },
      textColor: spec.text,
      attributionLogo: spec.logo,
    },
    grid: {
      vertLines: { visible: spec.grid, color: spec.gridColor },
      horzLines: { visible: spec.grid, color: spec.gridColor },
    },
    timeScale: { barSpacing: spec.barSpacing, rightOffset: spec.rightOffset, minBarSpacing: 0.5 },
    rightPriceScale: { scaleMargins: { top: 0.12, bottom: spec.volume === 'overlay' ? 0.22 : 0.08 } },
    crosshair: { mode: 0, vertLine: { visible: false }, horzLine: { visible: false } },
  });
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: spec.hollow ? 'rgba(0,0,0,0)' : spec.up,
    downColor: spec.down,
    borderVisible: spec.border !== null || spec.hollow,
    borderUpColor: spec.border ?? spec.up,
    borderDownColor: spec.border ?? spec.down,
    wickUpColor: spec.wick ?? spec.up,
    wickDownColor: spec.wick ?? spec.down,
    priceLineVisible: spec.lastPriceLine,
    lastValueVisible: spec.lastPriceLine,
  });
  const time = (index) => 1_600_000_000 + index * 86_400;
  candles.setData(spec.bars.map((bar, index) => ({ time: time(index), ...bar })));
  for (const ma of spec.ma ?? []) {
    const line = chart.addSeries(LC.LineSeries, {
      color: ma.color,
      lineWidth: ma.width,
      priceLineVisible: false,
      lastValueVisible: false,
    });
    line.setData(movingAverage(spec.bars, ma.period).map((p) => ({ time: time(p.index), value: p.value })));
  }
  if (spec.volume) {
    const pane = spec.volume === 'pane' ? 1 : 0;
    const volume = chart.addSeries(
      LC.HistogramSeries,
      { priceScaleId: spec.volume === 'pane' ? 'right' : '', priceFormat: { type: 'volume' }, lastValueVisible: false },
      pane,
    );
    if (spec.volume === 'overlay') volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    volume.setData(
      spec.bars.map((bar, index) => ({
        time: time(index),
        value: bar.volume,
        color: (bar.close >= bar.open ? spec.up : spec.down) + (spec.volume === 'pane' ? 'cc' : '66'),
      })),
    );
    if (spec.volume === 'pane') chart.panes()[0].setStretchFactor(4);
  }
  if (spec.watermark)
    LC.createTextWatermark(chart.panes()[0], {
      horzAlign: 'center',
      vertAlign: 'center',
      lines: [{ text: spec.symbol, color: spec.watermarkColor, fontSize: 120 }],
    });
  if (spec.legend) root.appendChild(legendDiv(spec));
  chart.timeScale().scrollToRealTime();
  const ratio = dpr();
  return new Promise((resolve) =>
    window.requestAnimationFrame(() =>
      window.requestAnimationFrame(() =>
        resolve(
          spec.bars.map((bar, index) => ({
            x: chart.timeScale().timeToCoordinate(time(index)) * ratio,
            highPx: candles.priceToCoordinate(bar.high) * ratio,
            lowPx: candles.priceToCoordinate(bar.low) * ratio,
            openPx: candles.priceToCoordinate(bar.open) * ratio,
            closePx: candles.priceToCoordinate(bar.close) * ratio,
          })),
        ),
      ),
    ),
  );
};

/** Our own canvas renderer: thinkorswim- and TradingView-like layouts, drawn in device pixels. */
window.renderOwn = (spec) => {
  const root = document.getElementById('root');
  root.innerHTML = '';
  const ratio = dpr();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(spec.width * ratio);
  canvas.height = Math.round(spec.height * ratio);
  canvas.style.cssText = `width:${spec.width}px;height:${spec.height}px;display:block`;
  root.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const H = canvas.height;
  const axisW = Math.round(70 * ratio);
  const header = spec.legend ? Math.round(28 * ratio) : 0;
  const timeAxis = Math.round(24 * ratio);
  const volumeH = spec.volume === 'pane' ? Math.round((H - header - timeAxis) * 0.2) : 0;
  const pane = { left: 0, right: W - axisW, top: header, bottom: H - timeAxis - volumeH };
  ctx.fillStyle = spec.background;
  ctx.fillRect(0, 0, W, H);
  const lows = spec.bars.map((b) => b.low);
  const highs = spec.bars.map((b) => b.high);
  const min = Math.min(...lows);
  const max = Math.max(...highs);
  const margin = (pane.bottom - pane.top) * 0.1;
  const yOf = (price) =>
    pane.top +
    margin +
    ((max - price) / (max - min)) *
      (pane.bottom - pane.top - 2 * margin - (spec.volume === 'overlay' ? (pane.bottom - pane.top) * 0.15 : 0));
  const spacing = spec.barSpacing * ratio;
  const n = spec.bars.length;
  const xOf = (index) => pane.right - spacing * (n - index + spec.rightOffset - 0.5);
  const wick = spec.barSpacing >= 30 ? Math.round(ratio * 2) : Math.max(1, Math.round(ratio));
  let body = Math.max(wick, Math.floor(spacing * 0.72));
  if (spacing - body < 1) body = Math.max(1, Math.floor(spacing) - 1);
  if ((body - wick) % 2 !== 0) body -= 1;
  body = Math.max(wick, body);
  // Grid: dotted on the thinkorswim look, solid on the TradingView look.
  if (spec.grid) {
    ctx.fillStyle = spec.gridColor;
    const step = Math.round(80 * ratio);
    for (let y = pane.top + step / 2; y < pane.bottom; y += step)
      for (let x = 0; x < pane.right; x += spec.look === 'tos' ? 4 : 1) ctx.fillRect(x, Math.round(y), 1, 1);
    for (let x = pane.right - step; x > 0; x -= step * 2)
      for (let y = pane.top; y < pane.bottom; y += spec.look === 'tos' ? 4 : 1) ctx.fillRect(Math.round(x), y, 1, 1);
  }
  if (spec.watermark) {
    ctx.fillStyle = spec.watermarkColor;
    ctx.font = `${Math.round(140 * ratio)}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(spec.symbol, (pane.left + pane.right) / 2, (pane.top + pane.bottom) / 2);
  }
  const volumes = spec.bars.map((b) => b.volume);
  const maxVolume = Math.max(...volumes);
  const drawVolume = (top, bottom, alpha) => {
    spec.bars.forEach((bar, index) => {
      const h = Math.max(1, Math.round((bar.volume / maxVolume) * (bottom - top) * 0.9));
      ctx.globalAlpha = alpha;
      ctx.fillStyle = bar.close >= bar.open ? spec.up : spec.down;
      ctx.fillRect(Math.round(xOf(index) - body / 2), bottom - h, body, h);
      ctx.globalAlpha = 1;
    });
  };
  if (spec.volume === 'overlay') drawVolume(pane.bottom - (pane.bottom - pane.top) * 0.18, pane.bottom, 0.4);
  const truth = spec.bars.map((bar, index) => {
    const up = bar.close >= bar.open;
    const cx = Math.round(xOf(index));
    const left = cx - Math.floor(body / 2);
    const wickLeft = cx - Math.floor(wick / 2);
    const hy = Math.round(yOf(bar.high));
    const ly = Math.round(yOf(bar.low));
    const top = Math.round(yOf(Math.max(bar.open, bar.close)));
    const bottom = Math.round(yOf(Math.min(bar.open, bar.close)));
    const colour = up ? spec.up : spec.down;
    ctx.fillStyle = spec.wick ?? colour;
    ctx.fillRect(wickLeft, hy, wick, top - hy);
    ctx.fillRect(wickLeft, bottom + 1, wick, ly - bottom);
    if (spec.hollow && up) {
      ctx.strokeStyle = spec.border ?? colour;
      ctx.lineWidth = Math.max(1, Math.round(ratio));
      const lw = ctx.lineWidth;
      ctx.strokeRect(left + lw / 2, top + lw / 2, body - lw, Math.max(0, bottom - top + 1 - lw));
    } else {
      ctx.fillStyle = spec.border ?? colour;
      ctx.fillRect(left, top, body, bottom - top + 1);
      if (spec.border && body > 2) {
        ctx.fillStyle = colour;
        ctx.fillRect(left + 1, top + 1, body - 2, Math.max(0, bottom - top - 1));
      }
    }
    return {
      x: left + (body - 1) / 2,
      highPx: hy,
      lowPx: ly,
      openPx: Math.round(yOf(bar.open)),
      closePx: Math.round(yOf(bar.close)),
    };
  });
  for (const ma of spec.ma ?? []) {
    ctx.strokeStyle = ma.color;
    ctx.lineWidth = ma.width * ratio;
    ctx.beginPath();
    movingAverage(spec.bars, ma.period).forEach((p, k) =>
      (k ? ctx.lineTo : ctx.moveTo).call(ctx, xOf(p.index), yOf(p.value)),
    );
    ctx.stroke();
  }
  const last = spec.bars[n - 1];
  const lastColour = last.close >= last.open ? spec.up : spec.down;
  if (spec.lastPriceLine) {
    ctx.fillStyle = lastColour;
    const y = Math.round(yOf(last.close));
    for (let x = 0; x < pane.right; x += 6 * ratio) ctx.fillRect(x, y, 3 * ratio, Math.max(1, Math.round(ratio)));
  }
  // Price axis: border, labels, the last-price bubble.
  ctx.fillStyle = spec.background;
  ctx.fillRect(pane.right, 0, axisW, H);
  ctx.fillStyle = spec.gridColor;
  ctx.fillRect(pane.right, 0, 1, H);
  ctx.fillStyle = spec.text;
  ctx.font = `${Math.round(11 * ratio)}px sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const step = (max - min) / 6;
  for (let k = 0; k <= 6; k += 1)
    ctx.fillText((min + k * step).toFixed(2), pane.right + 6 * ratio, yOf(min + k * step));
  if (spec.lastPriceLine) {
    const y = Math.round(yOf(last.close));
    ctx.fillStyle = lastColour;
    ctx.fillRect(pane.right + 1, y - 9 * ratio, axisW, 18 * ratio);
    ctx.fillStyle = spec.background;
    ctx.fillText(last.close.toFixed(2), pane.right + 6 * ratio, y);
  }
  if (spec.volume === 'pane') {
    ctx.fillStyle = spec.gridColor;
    ctx.fillRect(0, pane.bottom, W, Math.max(1, Math.round(ratio)));
    drawVolume(pane.bottom + 4 * ratio, H - timeAxis, 1);
  }
  ctx.fillStyle = spec.text;
  for (let index = 0; index < n; index += Math.max(1, Math.round(n / 8)))
    ctx.fillText(`${(index % 28) + 1}`, xOf(index), H - timeAxis / 2);
  if (spec.legend) {
    ctx.font = `bold ${Math.round(13 * ratio)}px sans-serif`;
    ctx.fillText(`${spec.symbol} 1D`, 8 * ratio, header / 2);
    ctx.fillStyle = lastColour;
    ctx.font = `${Math.round(12 * ratio)}px sans-serif`;
    ctx.fillText(
      `O ${last.open.toFixed(2)} H ${last.high.toFixed(2)} L ${last.low.toFixed(2)} C ${last.close.toFixed(2)}`,
      90 * ratio,
      header / 2,
    );
  }
  return truth;
};

// The colours of a chart, after TradingView's default dark and light themes: the palette traders see every day.
import { rgb, type Rgba } from './canvas.js';

export type ThemeName = 'dark' | 'light';

export interface Theme {
  background: Rgba;
  up: Rgba;
  down: Rgba;
  grid: Rgba;
  /** Pane separators and the price axis's edge. */
  border: Rgba;
  text: Rgba;
  axisText: Rgba;
  line: Rgba;
  /** Text on the last-price label box. */
  labelText: Rgba;
}

const UP = '#26a69a';
const DOWN = '#ef5350';

export const THEMES: Readonly<Record<ThemeName, Theme>> = {
  dark: {
    background: rgb('#131722'),
    up: rgb(UP),
    down: rgb(DOWN),
    grid: rgb('#232632'),
    border: rgb('#2a2e39'),
    text: rgb('#d1d4dc'),
    axisText: rgb('#b2b5be'),
    line: rgb('#2962ff'),
    labelText: rgb('#ffffff'),
  },
  light: {
    background: rgb('#ffffff'),
    up: rgb(UP),
    down: rgb(DOWN),
    grid: rgb('#f0f3fa'),
    border: rgb('#e0e3eb'),
    text: rgb('#131722'),
    axisText: rgb('#131722'),
    line: rgb('#2962ff'),
    labelText: rgb('#ffffff'),
  },
};

/** The same colour at another opacity (volume bars, the watermark). */
export const faded = (color: Rgba, alpha: number): Rgba => [color[0], color[1], color[2], alpha];

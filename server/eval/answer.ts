// Reads a coaching answer the way the scorer needs it: typography normalised, Markdown sections, sentences
// (with worked examples and quoted text set apart), and the bar numbers from the Bars table or, failing that,
// from an inline sequence such as "2D-1-2U". Pure; models vary, so every reader here is tolerant.
import type { StratLabel } from '../test/support/charts/index.js';

/** A bar number as the answer gave it: '?' when it said it was unsure. */
export type AnswerLabel = StratLabel | '?';

/** Unicode dashes, curly quotes and hard spaces in their ASCII form, so one pattern fits every model. */
export function normalise(text: string): string {
  return text
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u02bc\u2032]/g, "'")
    .replace(/[\u201c\u201d\u2033]/g, '"')
    .replace(/[\u00a0\u202f\u2009]/g, ' ')
    .replace(/\u2192/g, '->');
}

/** The text without Markdown emphasis and code marks: "**the 1's high**" reads as "the 1's high". */
export const plain = (text: string): string =>
  normalise(text)
    .replace(/\*\*|__|`/g, '')
    .replace(/(?<!\w)[*_]|[*_](?!\w)/g, '');

const HASH_HEADING = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/;
const BOLD_HEADING = /^\s{0,3}(?:\*\*([^*]+?)\*\*|__([^_]+?)__):?\s*$/;

export interface Section {
  heading: string;
  body: string;
}

/**
 * The answer cut at its headings; text before the first is ''. Headings are `#` lines; only in an answer without
 * any are lines that are wholly bold taken as headings (elsewhere a bold line is emphasis, e.g. the combo).
 */
export function sectionsOf(text: string): Section[] {
  const lines = normalise(text).split('\n');
  const hashHeadings = lines.some((line) => HASH_HEADING.test(line));
  const sections: Section[] = [{ heading: '', body: '' }];
  for (const line of lines) {
    const match = hashHeadings ? HASH_HEADING.exec(line) : BOLD_HEADING.exec(line);
    const heading = match?.[1] ?? match?.[2];
    if (heading !== undefined) sections.push({ heading: heading.trim(), body: '' });
    else (sections[sections.length - 1] as Section).body += `${line}\n`;
  }
  return sections;
}

/** The body of the first section whose heading matches, or null when the answer has none. */
export function sectionBody(text: string, heading: RegExp): string | null {
  const found = sectionsOf(text).find((section) => heading.test(section.heading));
  return found ? found.body : null;
}

/** Words that mark a sentence as a worked example rather than an instruction or a reading of the chart. */
const HYPOTHETICAL =
  /\b(?:for example|for instance|e\.g\.|example:|hypothetical(?:ly)?|suppose|say you|say your|imagine|as an illustration|illustrative|to illustrate)\b/i;
const EXAMPLE_HEADING = /example|hypothetical|illustrat/i;

export interface Sentence {
  text: string;
  /** In a worked example: from a marker to the end of its line, or under a heading such as "Sizing example". */
  hypothetical: boolean;
}

/** Lines, then sentences within them; table rows and bullets stay one sentence each. */
export function sentencesOf(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  for (const section of sectionsOf(text)) {
    const exampleSection = EXAMPLE_HEADING.test(section.heading);
    for (const line of section.body.split('\n')) {
      let inExample = exampleSection;
      for (const part of plain(line).split(/(?<=[.!?])\s+(?=["'(]?[A-Z$0-9])/)) {
        if (part.trim() === '') continue;
        inExample ||= HYPOTHETICAL.test(part);
        sentences.push({ text: part.trim(), hypothetical: inExample });
      }
    }
  }
  return sentences;
}

/** The text with quoted spans and blockquotes removed: what the answer quotes is not what it says. */
export const withoutQuotes = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .join('\n')
    .replace(/"[^"\n]*"/g, '""');

export interface BarReading {
  source: 'table' | 'inline' | 'none';
  /** Oldest first; the last entry is the live bar, null when the answer gave no row for it. */
  labels: Array<AnswerLabel | null>;
}

const LIVE_ROW = /\b(?:live|forming|current|provisional|now|in progress|open)\b/i;

function labelOfCell(cell: string): AnswerLabel {
  const cleaned = plain(cell).trim();
  const match = /^(1|2\s*(?:u|up)|2\s*(?:d|down|dn)|3|\?)(?![\w])/i.exec(cleaned);
  if (!match?.[1]) return /^inside/i.test(cleaned) ? '1' : /^outside/i.test(cleaned) ? '3' : '?';
  const token = match[1].replace(/\s+/g, '').toUpperCase();
  if (token.startsWith('2U')) return '2U';
  if (token.startsWith('2D')) return '2D';
  return token as AnswerLabel;
}

const cellsOf = (row: string): string[] =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

/** Every Markdown table in the text, as rows of cells (the separator row dropped). */
function tablesOf(text: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of normalise(text).split('\n')) {
    if (/^\s*\|/.test(line)) {
      current ??= [];
      if (!/^[\s|:-]+$/.test(line)) current.push(cellsOf(line));
    } else if (current) {
      tables.push(current);
      current = null;
    }
  }
  if (current) tables.push(current);
  return tables;
}

function readTable(table: string[][]): BarReading | null {
  const [header, ...rows] = table;
  if (!header) return null;
  const labelColumn = header.findIndex((cell) => /label|number|strat|type/i.test(plain(cell)));
  if (labelColumn < 0 || rows.length < 2) return null;
  const barColumn = Math.max(
    0,
    header.findIndex((cell) => /bar|candle/i.test(plain(cell))),
  );
  const labels: Array<AnswerLabel | null> = [];
  let sawLive = false;
  for (const row of rows) {
    labels.push(labelOfCell(row[labelColumn] ?? ''));
    if (LIVE_ROW.test(row[barColumn] ?? '')) {
      sawLive = true;
      break;
    }
  }
  // Without a live row the last row is the last closed bar: keep the alignment from the newest honest.
  if (!sawLive) labels.push(null);
  return { source: 'table', labels };
}

const INLINE_SEQUENCE = /(?<![\w-])(?:1|2[ud]|3)(?:\s*(?:-|->|>)\s*(?:1|2[ud]|3)){2,}(?![\w-])/gi;

/** The numbers the answer gives: its Bars table, else the longest inline sequence with a 2U or 2D in it. */
export function readBars(text: string): BarReading {
  const barsSection = sectionBody(text, /\bbars?\b|what i see|candles/i);
  const candidates = [...(barsSection === null ? [] : tablesOf(barsSection)), ...tablesOf(text)];
  for (const table of candidates) {
    const reading = readTable(table);
    if (reading) return reading;
  }
  const sequences = [...normalise(text).matchAll(INLINE_SEQUENCE)]
    .map((match) => match[0])
    .filter((sequence) => /2[ud]/i.test(sequence));
  const longest = sequences.reduce<string | null>(
    (best, sequence) => (best === null || sequence.length >= best.length ? sequence : best),
    null,
  );
  if (longest === null) return { source: 'none', labels: [] };
  return { source: 'inline', labels: longest.split(/\s*(?:->|-|>)\s*/).map(labelOfCell) };
}

// A new conversation's title: the charts' symbol and timeframes first, when the trader labelled them, then the
// question's first line.
import { describe, expect, it } from 'vitest';
import { MAX_TITLE_CHARS } from '../src/contract/conversations.js';
import { timeframeMinutes, titleFor } from '../src/services/conversation-title.js';

describe('titleFor', () => {
  it('leads with the symbol and its timeframes, longest first', () => {
    expect(titleFor('Is this a 2-1-2?', ['SPY 5m', 'SPY 60m'])).toBe('SPY 60m · 5m — Is this a 2-1-2?');
    expect(titleFor('Continuity?', ['SPY D', 'SPY 4H', 'SPY W', 'SPY 15'])).toBe('SPY W · D · 4H · 15 — Continuity?');
  });

  it('names each symbol once, in the order the charts came, and each timeframe once', () => {
    expect(titleFor('Which is stronger?', ['SPY 60m', 'QQQ 60m', 'spy 5m', 'SPY 60m'])).toBe(
      'SPY 60m · 5m, QQQ 60m — Which is stronger?',
    );
  });

  it('keeps a label without a timeframe, or a timeframe without a symbol, as the trader wrote it', () => {
    expect(titleFor('Hammer?', ['AAPL'])).toBe('AAPL — Hammer?');
    expect(titleFor('Hammer?', ['60m', '5m'])).toBe('60m · 5m — Hammer?');
    expect(titleFor('Hammer?', [null, ' ', undefined])).toBe('Hammer?');
  });

  it('without labels is the question’s first line, as before', () => {
    expect(titleFor('  Is this 3-1-2 valid?\nMore detail here  ')).toBe('Is this 3-1-2 valid?');
    expect(titleFor('   ')).toBe('Chart question');
    expect(titleFor('   ', ['SPY 60m'])).toBe('SPY 60m');
  });

  it('does not say the labels twice when the question starts with them', () => {
    expect(titleFor('SPY 60m: is this a 2-1-2?', ['SPY 60m'])).toBe('SPY 60m: is this a 2-1-2?');
  });

  it('stays within the title limit: whole labels that fit, the question cut at a word', () => {
    const question =
      'Is this a valid 2-1-2 reversal into the prior week’s high with full timeframe continuity and room to the target?';
    const labels = [
      'SPY 1m',
      'SPY 5m',
      'SPY 15m',
      'SPY 30m',
      'SPY 60m',
      'SPY 4H',
      'SPY D',
      'SPY W',
      'QQQ 5m',
      'IWM 5m',
    ];
    const title = titleFor(question, labels);
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(title).toMatch(/^SPY W · D · 4H · 60m · 30m · 15m · 5m · 1m — Is this a valid 2-1-2 reversal .*…$/);
    expect(titleFor('x'.repeat(300), ['L'.repeat(40), 'M'.repeat(40)]).length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
  });
});

describe('timeframeMinutes', () => {
  it.each([
    ['5m', 5],
    ['60', 60],
    ['4H', 240],
    ['D', 1_440],
    ['1D', 1_440],
    ['daily', 1_440],
    ['W', 10_080],
    ['M', 43_200],
    ['5M', 5],
    ['Q', 129_600],
  ])('reads %s as %d minutes', (word, minutes) => {
    expect(timeframeMinutes(word)).toBe(minutes);
  });

  it.each(['SPY', 'AAPL', 'ES1!'])('%s is no timeframe', (word) => {
    expect(timeframeMinutes(word)).toBeUndefined();
  });
});

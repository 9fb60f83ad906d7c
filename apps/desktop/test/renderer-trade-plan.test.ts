// The plan card's parser: an answer's entry, stop and targets from the tables and lines the coach writes, none
// from an answer without a plan; and the plain text Copy puts on the clipboard.
import { describe, expect, it } from 'vitest';
import { markdownToPlainText } from '../src/renderer/src/lib/answer-text';
import { parseTradePlan, planText } from '../src/renderer/src/lib/trade-plan';

const COACH_TABLE = `### Trigger, stop, target

| Side | Trigger | Stop | Target (magnitude) | Exhaustion |
| --- | --- | --- | --- | --- |
| Long | the 1's high (**431.20**) | the 1's low | the 2D's high before the 1 | early in the candle: room left |
| Short (if the 2U fails) | the 1's low | the 1's high | the prior pivot low | already near the low: little room |
`;

describe('parseTradePlan', () => {
  it('reads the coach’s plan table: one side per row, Trigger as the entry, inline Markdown removed', () => {
    expect(parseTradePlan(`### Bars\n\nSome bars.\n\n${COACH_TABLE}`)).toEqual({
      sides: [
        {
          side: 'Long',
          entry: "the 1's high (431.20)",
          stop: "the 1's low",
          targets: ["the 2D's high before the 1"],
        },
        {
          side: 'Short (if the 2U fails)',
          entry: "the 1's low",
          stop: "the 1's high",
          targets: ['the prior pivot low'],
        },
      ],
    });
  });

  it('reads a table with Entry, Stop and Target rows', () => {
    const answer = '| | Where |\n|---|---|\n| Entry | 431.20 |\n| Stop | 428.75 |\n| Target | 436.00; 440.50 |\n';
    expect(parseTradePlan(answer)).toEqual({
      sides: [{ side: null, entry: '431.20', stop: '428.75', targets: ['436.00', '440.50'] }],
    });
  });

  it('reads rows with one column per side, and several Target rows', () => {
    const answer =
      '| | Long | Short |\n|---|---|---|\n| Entry | 101 | 99 |\n| Stop | 99 | 101 |\n| Target 1 | 104 | 96 |\n| Target 2 | 107 | 93 |\n';
    expect(parseTradePlan(answer)?.sides).toEqual([
      { side: 'Long', entry: '101', stop: '99', targets: ['104', '107'] },
      { side: 'Short', entry: '99', stop: '101', targets: ['96', '93'] },
    ]);
  });

  it('reads "Entry:", "Stop:" and "Targets:" lines, bulleted and bold', () => {
    const answer =
      'The plan:\n\n- **Entry:** 431.20, above the inside bar\n- **Stop:** 428.75\n- **Targets:** 436.00, then 440.50\n';
    expect(parseTradePlan(answer)).toEqual({
      sides: [{ side: null, entry: '431.20, above the inside bar', stop: '428.75', targets: ['436.00', '440.50'] }],
    });
  });

  it('finds no plan in an answer without one, or with a stop but no target', () => {
    expect(parseTradePlan('A 2-1-2 triggers only when price takes out the inside bar.')).toBeNull();
    expect(parseTradePlan('Entry: above the 1\nStop: below the 1\n')).toBeNull();
    expect(parseTradePlan('| Bar | Label |\n| --- | --- |\n| -1 | 1 |\n')).toBeNull();
  });

  it('copies the plan as plain text, one block per side', () => {
    const plan = parseTradePlan(COACH_TABLE);
    if (!plan) throw new Error('no plan');
    expect(planText(plan)).toBe(
      "Long\nEntry: the 1's high (431.20)\nStop: the 1's low\nTarget: the 2D's high before the 1\n\n" +
        "Short (if the 2U fails)\nEntry: the 1's low\nStop: the 1's high\nTarget: the prior pivot low",
    );
    expect(planText({ sides: [{ side: null, entry: '1', stop: '0.5', targets: ['2', '3'] }] })).toBe(
      'Entry: 1\nStop: 0.5\nTargets: 2; 3',
    );
  });
});

describe('markdownToPlainText', () => {
  it('keeps the words and drops the marks: headings, emphasis, quotes, code, links, table rules', () => {
    const answer = [
      '### Setup',
      '',
      'A **2-1-2 reversal up** (_in force_), see [the guide](https://example.com/strat).',
      '',
      '> Wait for the close.',
      '',
      '| Side | Stop |',
      '| --- | --- |',
      '| Long | `428.75` |',
    ].join('\n');
    expect(markdownToPlainText(answer)).toBe(
      [
        'Setup',
        '',
        'A 2-1-2 reversal up (in force), see the guide (https://example.com/strat).',
        '',
        'Wait for the close.',
        '',
        'Side\tStop',
        'Long\t428.75',
      ].join('\n'),
    );
  });
});

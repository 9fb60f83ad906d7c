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

const MIXED_SIDES =
  '**Long** … Entry: 512.40\nStop: 509.85\nTarget: 514.20\n\n**Short** … Entry: 509.80\nStop: 512.45\nTarget: 506.00';

const CONDITIONAL_PLAN = [
  'No trade yet: the 1 is still inside the 2U.',
  '',
  "If the 1's high breaks:",
  '',
  '- **Entry:** 512.40',
  '- **Stop:** 509.85 (below it the setup is invalidated)',
  '- **Target:** 514.20',
  '',
  'If it closes back inside the 1, the setup is invalidated; stand aside.',
].join('\n');

describe('parseTradePlan: one side per group of lines', () => {
  it('keeps each side’s levels to itself: the short’s target never lands under the long’s stop', () => {
    const plan = parseTradePlan(MIXED_SIDES);
    expect(plan?.sides).toEqual([
      { side: 'Long', entry: '512.40', stop: '509.85', targets: ['514.20'] },
      { side: 'Short', entry: '509.80', stop: '512.45', targets: ['506.00'] },
    ]);
    if (!plan) throw new Error('no plan');
    expect(planText(plan)).toBe(
      'Long\nEntry: 512.40\nStop: 509.85\nTarget: 514.20\n\nShort\nEntry: 509.80\nStop: 512.45\nTarget: 506.00',
    );
  });

  it('names each side from the heading before its lines, or from the entry line’s lead', () => {
    const headed =
      '### Long setup\n\nEntry: 512.40\nStop: 509.85\nTargets: 514.20; 516.00\n\n' +
      '**Short** (if the 2U fails)\n\nThe 2U may fail at the prior high.\n\nTrigger: 509.80\nStop: 512.45\nTarget: 506.00\n';
    expect(parseTradePlan(headed)?.sides).toEqual([
      { side: 'Long setup', entry: '512.40', stop: '509.85', targets: ['514.20', '516.00'] },
      { side: 'Short (if the 2U fails)', entry: '509.80', stop: '512.45', targets: ['506.00'] },
    ]);
    const inline = 'Long entry: 101\nStop: 99\nTarget: 104\nShort entry: 99\nStop: 101\nTarget: 96\n';
    expect(parseTradePlan(inline)?.sides.map((side) => side.side)).toEqual(['Long', 'Short']);
  });

  it('drops a side missing its entry, stop or target, and never lends it the next side’s target', () => {
    const noLongTarget =
      '**Long**\nEntry: 512.40\nStop: 509.85\n\n**Short**\nEntry: 509.80\nStop: 512.45\nTarget: 506.00';
    expect(parseTradePlan(noLongTarget)?.sides).toEqual([
      { side: 'Short', entry: '509.80', stop: '512.45', targets: ['506.00'] },
    ]);
    const noShortEntry =
      '**Long**\nEntry: 512.40\nStop: 509.85\nTarget: 514.20\n\n**Short**\nStop: 512.45\nTarget: 506.00';
    expect(parseTradePlan(noShortEntry)?.sides).toEqual([
      { side: 'Long', entry: '512.40', stop: '509.85', targets: ['514.20'] },
    ]);
  });

  it('shows no card for two sides it cannot tell apart', () => {
    expect(parseTradePlan('Entry: 101\nStop: 99\nTarget: 104\n\nEntry: 99\nStop: 101\nTarget: 96\n')).toBeNull();
  });

  it('does not split on a heading naming both sides, nor read "Buy stop" as the stop', () => {
    const answer = '### Long or short?\n\nEntry: 512.40\nBuy stop: 512.45\nStop: 509.85\nTarget: 514.20\n';
    expect(parseTradePlan(answer)?.sides).toEqual([
      { side: null, entry: '512.40', stop: '509.85', targets: ['514.20'] },
    ]);
  });
});

describe('parseTradePlan: no card for a plan the coach negates', () => {
  it('shows none for levels that would have been, or a setup invalidated with a stand-aside', () => {
    const answer =
      'The 2-1-2 up never triggered. It would have been:\n\n- Entry: 512.40\n- Stop: 509.85\n- Target: 514.20\n\n' +
      'The setup is invalidated; stand aside.';
    expect(parseTradePlan(answer)).toBeNull();
    expect(parseTradePlan(`It would have been this:\n\n${COACH_TABLE}`)).toBeNull();
  });

  it('shows none when a plain "no trade", "stay flat" or "was invalidated" comes before or after the levels', () => {
    const levels = 'Entry: 512.40\nStop: 509.85\nTarget: 514.20';
    expect(parseTradePlan(`No setup here.\n\n${levels}`)).toBeNull();
    expect(parseTradePlan(`${levels}\n\nStay flat: the 2U closed back inside.`)).toBeNull();
    expect(parseTradePlan(`${levels}\n\nThe setup was invalidated when price closed below 509.85.`)).toBeNull();
    expect(parseTradePlan(`${levels}\n\nDon't take it.`)).toBeNull();
    expect(parseTradePlan(`${COACH_TABLE}\nStand aside.`)).toBeNull();
  });

  it('keeps a conditional plan: "no trade yet", then what to do if it breaks', () => {
    expect(parseTradePlan(CONDITIONAL_PLAN)?.sides).toEqual([
      { side: null, entry: '512.40', stop: '509.85 (below it the setup is invalidated)', targets: ['514.20'] },
    ]);
    const until = "No trade until the 1's high breaks.\n\nEntry: 512.40\nStop: 509.85\nTarget: 514.20";
    expect(parseTradePlan(until)?.sides).toHaveLength(1);
    const yet = 'No trade yet; if it breaks 512.40:\nEntry: 512.40\nStop: 509.85\nTarget: 514.20';
    expect(parseTradePlan(yet)?.sides).toHaveLength(1);
    expect(parseTradePlan(`No trade yet. If the 1 breaks either way:\n\n${COACH_TABLE}`)?.sides).toHaveLength(2);
  });

  it('takes a side’s name only from a heading over its levels, and shows no card whose name or levels contradict', () => {
    const levels = 'Entry: 512.40\nStop: 509.85\nTarget: 514.20';
    // Context naming a direction, another heading between it and the levels: the levels are not labelled with it.
    const context = `**Bearish context:** the monthly and weekly are 2Ds.\n\n### Plan for today\n\n${levels}`;
    expect(parseTradePlan(context)?.sides).toEqual([
      { side: null, entry: '512.40', stop: '509.85', targets: ['514.20'] },
    ]);
    // Nothing between: a card titled "Bearish" over a long's levels would be wrong, so there is none.
    expect(
      parseTradePlan(`**Bearish** monthly and weekly: trade small.\n\nThe 15-minute 2-1-2 up:\n- ${levels}`),
    ).toBeNull();
    // A target from the next scenario, below the long's entry: none.
    const twoScenarios =
      '**Long** (2-1-2 up)\nEntry: 512.40\nStop: 509.85\n\nIf the 2U fails at the prior high instead:\n' +
      'Target: 506.00\nEntry: 509.80\nStop: 512.45';
    expect(parseTradePlan(twoScenarios)).toBeNull();
  });

  it('shows none for a plan the coach says is dead, whatever conditions its sentence mentions', () => {
    const levels = 'Entry: 512.40\nStop: 509.85\nTarget: 514.20';
    const table = '| Side | Entry | Stop | Target |\n| --- | --- | --- | --- |\n| Long | 512.40 | 509.85 | 514.20 |';
    const stoppedOut = 'If you took it, you were stopped out; stand aside until a new setup forms.';
    for (const answer of [
      `${levels}\n\n${stoppedOut}`,
      `${table}\n\n${stoppedOut}`,
      `Stand aside. The long triggered when price broke 512.40, but it reversed and closed back inside the 1.\n\n${levels}`,
      `${levels}\n\nThe long is invalidated below 509.85 and price is at 508.90 now — stand aside.`,
      `${levels}\n\nThis setup is invalidated: price already traded through 509.85 once today.`,
      `There is no valid setup here.\n\n${levels}`,
    ])
      expect(parseTradePlan(answer), answer).toBeNull();
    // A negation that waits for a trigger keeps the plan after it.
    const before = `Do not take the trade before the 15-minute candle closes above 512.40.\n\n${levels}`;
    expect(parseTradePlan(before)?.sides).toHaveLength(1);
  });

  it('drops only the side a negation sits under', () => {
    const answer =
      '**Long**\nEntry: 512.40\nStop: 509.85\nTarget: 514.20\n\n**Short**\nNo setup: the 2U is too strong.\n' +
      'Entry: 509.80\nStop: 512.45\nTarget: 506.00';
    expect(parseTradePlan(answer)?.sides).toEqual([
      { side: 'Long', entry: '512.40', stop: '509.85', targets: ['514.20'] },
    ]);
    const shortFirst =
      'Stand aside for now.\n\n**Short**\nNo setup: the 2U is too strong.\nEntry: 509.80\nStop: 512.45\nTarget: 506.00\n\n' +
      "**Long**\nIf the 1's high breaks:\nEntry: 512.40\nStop: 509.85\nTarget: 514.20";
    expect(parseTradePlan(shortFirst)?.sides.map((side) => side.side)).toEqual(['Long']);
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

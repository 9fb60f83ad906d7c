// The update policy as the trader lives it: a check at start and every 6 hours, a background download, then
// "Restart to update" offered; a restart asked for mid-answer waits for the answer to end.
import { describe, expect, it } from 'vitest';
import {
  CHECK_EVERY_MS,
  initialUpdateState,
  nextUpdateStep,
  updateOffer,
  type UpdateAction,
  type UpdateEvent,
  type UpdateState,
} from '../src/main/update-policy';

const HOUR = 60 * 60 * 1000;
const START = Date.UTC(2030, 0, 1, 9);

/** Runs events in order from `state`; returns the final state and every action, in order. */
function run(events: UpdateEvent[], state: UpdateState = initialUpdateState) {
  const actions: UpdateAction['kind'][] = [];
  for (const event of events) {
    const step = nextUpdateStep(state, event);
    state = step.state;
    actions.push(...step.actions.map((action) => action.kind));
  }
  return { state, actions, offer: updateOffer(state) };
}

const downloaded: UpdateEvent[] = [
  { kind: 'tick', now: START },
  { kind: 'available', version: '1.2.0' },
  { kind: 'downloaded', version: '1.2.0' },
];

describe('when to check', () => {
  it('checks at start, then not again within 6 hours', () => {
    expect(CHECK_EVERY_MS).toBe(6 * HOUR);
    const { actions } = run([
      { kind: 'tick', now: START },
      { kind: 'no-update' },
      { kind: 'tick', now: START + HOUR },
      { kind: 'tick', now: START + 6 * HOUR - 1 },
    ]);
    expect(actions).toEqual(['check']);
  });

  it('checks again once 6 hours have passed since the last check', () => {
    const { actions } = run([
      { kind: 'tick', now: START },
      { kind: 'no-update' },
      { kind: 'tick', now: START + 6 * HOUR },
      { kind: 'no-update' },
      { kind: 'tick', now: START + 12 * HOUR },
    ]);
    expect(actions).toEqual(['check', 'check', 'check']);
  });

  it('after a failed check, waits for the next due time instead of retrying in a loop', () => {
    const { actions, offer } = run([
      { kind: 'tick', now: START },
      { kind: 'failed' },
      { kind: 'tick', now: START + 1000 },
      { kind: 'tick', now: START + 6 * HOUR },
    ]);
    expect(actions).toEqual(['check', 'check']);
    expect(offer).toBeNull();
  });

  it('does not check while a download runs or once an update waits for a restart', () => {
    const downloading = run([
      { kind: 'tick', now: START },
      { kind: 'available', version: '1.2.0' },
      { kind: 'tick', now: START + 7 * HOUR },
    ]);
    expect(downloading.actions).toEqual(['check']);
    const ready = run([...downloaded, { kind: 'tick', now: START + 7 * HOUR }]);
    expect(ready.actions).toEqual(['check']);
  });
});

describe('when to offer', () => {
  it('offers nothing while the update downloads in the background', () => {
    expect(run(downloaded.slice(0, 2)).offer).toBeNull();
  });

  it('offers "Restart to update" with the version once it is downloaded', () => {
    expect(run(downloaded).offer).toEqual({ version: '1.2.0', waitingForAnswer: false });
  });

  it('a failed download offers nothing and is tried at the next check', () => {
    const { offer, actions } = run([
      ...downloaded.slice(0, 2),
      { kind: 'failed' },
      { kind: 'tick', now: START + 6 * HOUR },
    ]);
    expect(offer).toBeNull();
    expect(actions).toEqual(['check', 'check']);
  });
});

describe('restarting, and never mid-answer', () => {
  it('restarts at once when no answer is streaming', () => {
    expect(run([...downloaded, { kind: 'restart-requested' }]).actions).toEqual(['check', 'install']);
  });

  it('mid-answer, waits for the answer to end, says so, then restarts', () => {
    const asked = run([...downloaded, { kind: 'streams', count: 1 }, { kind: 'restart-requested' }]);
    expect(asked.actions).toEqual(['check']);
    expect(asked.offer).toEqual({ version: '1.2.0', waitingForAnswer: true });

    const second = run(
      [
        { kind: 'streams', count: 2 },
        { kind: 'streams', count: 1 },
      ],
      asked.state,
    );
    expect(second.actions).toEqual([]);
    const done = run([{ kind: 'streams', count: 0 }], second.state);
    expect(done.actions).toEqual(['install']);
  });

  it('an update that finishes downloading mid-answer is offered, not installed', () => {
    const { actions, offer } = run([
      { kind: 'tick', now: START },
      { kind: 'streams', count: 1 },
      { kind: 'available', version: '1.2.0' },
      { kind: 'downloaded', version: '1.2.0' },
      { kind: 'streams', count: 0 },
    ]);
    expect(actions).toEqual(['check']);
    expect(offer).toEqual({ version: '1.2.0', waitingForAnswer: false });
  });

  it('a restart asked for with nothing downloaded does nothing', () => {
    expect(run([{ kind: 'restart-requested' }]).actions).toEqual([]);
  });
});

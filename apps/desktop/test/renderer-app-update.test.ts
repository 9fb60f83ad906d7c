// The window hears what the desktop app says by itself: a downloaded update offered with "Restart to
// update" (which asks the host to restart), that it waits for the streaming answer, and the notice that the
// window was reloaded after a crash.
import { describe, expect, it } from 'vitest';
import { useAppUpdateStore } from '../src/renderer/src/state/app-update-store';
import { useScriptedHost } from './support/scripted-host';

const host = useScriptedHost();

describe('app update store', () => {
  it('reads an offer already waiting when the window opens', async () => {
    host().pushUpdate({ version: '1.5.0', waitingForAnswer: false });
    const stop = useAppUpdateStore.getState().follow();
    await expect.poll(() => useAppUpdateStore.getState().update).toEqual({ version: '1.5.0', waitingForAnswer: false });
    stop();
  });

  it('follows the offer as main pushes it, and Restart to update asks the host', async () => {
    const stop = useAppUpdateStore.getState().follow();
    expect(useAppUpdateStore.getState().update).toBeNull();
    host().pushUpdate({ version: '1.5.0', waitingForAnswer: false });
    expect(useAppUpdateStore.getState().update).toEqual({ version: '1.5.0', waitingForAnswer: false });
    await useAppUpdateStore.getState().restart();
    expect(host().restarts()).toBe(1);
    host().pushUpdate({ version: '1.5.0', waitingForAnswer: true });
    expect(useAppUpdateStore.getState().update?.waitingForAnswer).toBe(true);
    stop();
    host().pushUpdate(null);
    expect(useAppUpdateStore.getState().update?.version).toBe('1.5.0');
  });

  it('shows a notice from main until dismissed', () => {
    const stop = useAppUpdateStore.getState().follow();
    host().pushNotice('The window stopped unexpectedly and was reloaded.');
    expect(useAppUpdateStore.getState().notice).toBe('The window stopped unexpectedly and was reloaded.');
    useAppUpdateStore.getState().dismissNotice();
    expect(useAppUpdateStore.getState().notice).toBeNull();
    stop();
  });
});

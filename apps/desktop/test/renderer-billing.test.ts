// Upgrade and Manage plan from the renderer's side: the usage store asks the host to open Stripe's page for the
// trader's plan, and keeps the host's refusal (billing off, no plan yet) as the sentence to show.
import { describe, expect, it } from 'vitest';
import { useUsageStore } from '../src/renderer/src/state/usage-store';
import { useScriptedHost } from './support/scripted-host';

describe('opening billing', () => {
  const scripted = useScriptedHost();

  it('asks the host for Checkout or the Portal, with no error when it opened', async () => {
    expect(useUsageStore.getState().canOpenBilling()).toBe(true);
    await useUsageStore.getState().openBilling({ kind: 'checkout', tier: 'pro' });
    await useUsageStore.getState().openBilling({ kind: 'portal' });
    expect(scripted().billingPages).toEqual([{ kind: 'checkout', tier: 'pro' }, { kind: 'portal' }]);
    expect(useUsageStore.getState().billingError).toBeNull();
  });

  it('keeps the refusal to show, and clears it on the next try', async () => {
    scripted().scriptBilling({
      ok: false,
      error: { code: 'billing_unconfigured', message: 'Billing is not set up on this server.', status: 503 },
    });
    await useUsageStore.getState().openBilling({ kind: 'checkout', tier: 'pro' });
    expect(useUsageStore.getState().billingError).toBe('Billing is not set up on this server.');
    scripted().scriptBilling({ ok: true, value: undefined });
    await useUsageStore.getState().openBilling({ kind: 'checkout', tier: 'pro' });
    expect(useUsageStore.getState().billingError).toBeNull();
  });
});

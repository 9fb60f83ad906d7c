// What the renderer learns from the server's /status: whether it answers, whether it can coach (an Anthropic key)
// and whether it sells plans (Stripe), which decides whether Upgrade and Manage plan are offered at all.
import type { StatusResponse } from '@strat-coach/server/contract';
import { describe, expect, it } from 'vitest';
import { useServerStore } from '../src/renderer/src/state/server-store';
import { useScriptedHost } from './support/scripted-host';

const dependency = { ok: true, latencyMs: 1 };
const status = (billing: 'stripe' | 'unconfigured', upstream: 'anthropic' | 'unconfigured'): StatusResponse => ({
  status: 'ok',
  version: '1.0.0',
  instance: 'test',
  mode: 'embedded',
  dependencies: {
    database: { mode: 'pglite', ...dependency },
    redis: { mode: 'memory', ...dependency },
    upstream: { mode: upstream, ...dependency, model: 'claude-sonnet-4-5', priceSource: 'table' },
    auth: { mode: 'local', ...dependency },
    billing: { mode: billing, ...dependency, overage: 'off' },
  },
});

describe('the server store', () => {
  const scripted = useScriptedHost();

  it('knows nothing until the status is read, and keeps not knowing while the server is offline', async () => {
    expect(useServerStore.getState()).toMatchObject({ reachability: 'unknown', billingConfigured: null });
    await useServerStore.getState().check();
    expect(useServerStore.getState()).toMatchObject({ reachability: 'offline', billingConfigured: null });
  });

  it('reads whether the server sells plans and can coach', async () => {
    scripted().scriptStatus({ ok: true, value: status('unconfigured', 'anthropic') });
    await useServerStore.getState().check();
    expect(useServerStore.getState()).toMatchObject({
      reachability: 'online',
      billingConfigured: false,
      upstreamConfigured: true,
    });
    scripted().scriptStatus({ ok: true, value: status('stripe', 'unconfigured') });
    await useServerStore.getState().check();
    expect(useServerStore.getState()).toMatchObject({ billingConfigured: true, upstreamConfigured: false });
  });
});

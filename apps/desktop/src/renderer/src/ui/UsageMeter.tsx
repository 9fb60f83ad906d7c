// The quota meter in the top bar: the reading the tray shows too (shared meterView) — a bar and the chart
// questions left — and, one click away, the plan, the tokens behind it and when it renews.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { Tier } from '@strat-coach/server/contract';
import { meterView, PLAN_NAMES, planOffer, TOKENS_PER_CHART_QUESTION } from '../shared';
import { formatTokens } from '../lib/format';
import { useServerStore } from '../state/server-store';
import { useUsageStore } from '../state/usage-store';

/** Closes `onClose` on a pointer press outside `ref` while `open`. */
function useOutsidePress(ref: RefObject<HTMLElement | null>, open: boolean, onClose: () => void): void {
  useEffect(() => {
    if (!open) return;
    const press = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    document.addEventListener('pointerdown', press);
    return () => document.removeEventListener('pointerdown', press);
  }, [ref, open, onClose]);
}

/**
 * Upgrade (free: what Pro gives, and Stripe Checkout for it) or Manage plan (paid: the Customer Portal), in the
 * system browser. Not offered by a server without billing (its status says so), where neither page exists.
 */
export function PlanAction({ tier }: { tier: Tier }) {
  const openBilling = useUsageStore((state) => state.openBilling);
  const error = useUsageStore((state) => state.billingError);
  const billingConfigured = useServerStore((state) => state.billingConfigured);
  // Not known yet (the status read at start failed, offline): asked again when a plan action is about to show;
  // meanwhile the buttons show, and a server without billing says so when one is pressed.
  useEffect(() => {
    if (billingConfigured === null) void useServerStore.getState().check();
  }, [billingConfigured]);
  if (!useUsageStore.getState().canOpenBilling() || billingConfigured === false) return null;
  return (
    <div className="plan-action">
      {tier === 'free' ? (
        <>
          <p className="plan-offer">{planOffer('pro')}</p>
          <button type="button" className="primary" onClick={() => void openBilling({ kind: 'checkout', tier: 'pro' })}>
            Upgrade to Pro
          </button>
        </>
      ) : (
        <>
          <p className="plan-offer">Change or cancel the plan, update the card, see invoices.</p>
          <button type="button" onClick={() => void openBilling({ kind: 'portal' })}>
            Manage plan
          </button>
        </>
      )}
      {error && (
        <p className="hint" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function UsageMeter() {
  const quota = useUsageStore((state) => state.quota);
  const usage = useUsageStore((state) => state.usage);
  const view = meterView(quota, usage?.period ?? null);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const detailsId = useId();
  useOutsidePress(root, open, () => setOpen(false));

  // Esc closes the details (and goes no further: at the window it would stop the answer).
  const keyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !open) return;
    event.stopPropagation();
    setOpen(false);
    toggle.current?.focus();
  };

  return (
    <div className="meter" data-testid="usage-meter" data-level={view.level} ref={root} onKeyDown={keyDown}>
      <div
        className="meter-bar"
        role="meter"
        aria-label="Monthly quota used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={view.fill ?? 0}
        aria-valuetext={`${view.percentText}, ${view.questions}`}
      >
        {view.fill !== null && <div className="meter-fill" style={{ width: `${view.fill}%` }} />}
      </div>
      <button
        ref={toggle}
        type="button"
        className="meter-summary"
        aria-expanded={open}
        aria-controls={detailsId}
        onClick={() => setOpen(!open)}
      >
        <span className="meter-label" data-testid="usage-percent">
          {view.percentText}
        </span>
        <span className="meter-words" data-testid="usage-questions">
          {view.summary}
        </span>
        <span className="meter-chevron" aria-hidden="true">
          ▾
        </span>
      </button>
      <div id={detailsId} className="meter-details" role="group" aria-label="Usage this month" hidden={!open}>
        {usage && <p className="meter-plan">{PLAN_NAMES[usage.tier]}</p>}
        <dl>
          {quota?.limit != null && (
            <>
              <dt>Used</dt>
              <dd>
                {formatTokens(quota.used)} of {formatTokens(quota.limit)} tokens ({view.percentText})
              </dd>
            </>
          )}
          <dt>Left</dt>
          <dd data-testid="usage-left">{view.detail}</dd>
        </dl>
        {view.renews && <p>{view.renews}</p>}
        {usage && <PlanAction tier={usage.tier} />}
        <p className="hint">
          A chart question uses about {formatTokens(TOKENS_PER_CHART_QUESTION)} tokens: the chart, your question and the
          answer.
        </p>
      </div>
    </div>
  );
}

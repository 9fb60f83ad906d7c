// The answer's trade plan at a glance, above the answer: each side's entry, stop and targets, with Copy (the
// plan as plain text). Shown only when the answer holds a plan (lib/trade-plan.ts).
import { useMemo } from 'react';
import { parseTradePlan, planText } from '../lib/trade-plan';
import { CopyButton } from './CopyButton';
import './thread.css';

export function PlanCard({ markdown }: { markdown: string }) {
  const plan = useMemo(() => parseTradePlan(markdown), [markdown]);
  if (!plan) return null;
  return (
    <section className="plan-card" aria-label="Trade plan" data-testid="plan-card">
      <div className="plan-head">
        <h3>Plan</h3>
        <CopyButton text={planText(plan)} label="Copy plan" />
      </div>
      {plan.sides.map((side, index) => (
        <div key={index} className="plan-side">
          {side.side && <p className="plan-side-name">{side.side}</p>}
          <dl>
            <div>
              <dt>Entry</dt>
              <dd>{side.entry}</dd>
            </div>
            <div>
              <dt>Stop</dt>
              <dd>{side.stop}</dd>
            </div>
            <div>
              <dt>{side.targets.length === 1 ? 'Target' : 'Targets'}</dt>
              <dd>{side.targets.join(' · ')}</dd>
            </div>
          </dl>
        </div>
      ))}
    </section>
  );
}

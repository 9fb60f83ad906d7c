// The quota meter in the top bar: the reading the tray shows too (shared meterView), as a bar with words.
import { meterView } from '../shared';
import { formatTokens } from '../lib/format';
import { useUsageStore } from '../state/usage-store';

export function UsageMeter() {
  const quota = useUsageStore((state) => state.quota);
  const period = useUsageStore((state) => state.usage?.period ?? null);
  const view = meterView(quota, period);
  const title =
    quota?.limit != null
      ? `${formatTokens(quota.used)} of ${formatTokens(quota.limit)} tokens this month${view.renews ? ` · ${view.renews}` : ''}`
      : view.detail;
  return (
    <div className="meter" data-testid="usage-meter" data-level={view.level} title={title}>
      <div
        className="meter-bar"
        role="meter"
        aria-label="Monthly quota used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={view.fill ?? 0}
        aria-valuetext={`${view.percentText}, ${view.detail}`}
      >
        {view.fill !== null && <div className="meter-fill" style={{ width: `${view.fill}%` }} />}
      </div>
      <div className="meter-text">
        <span className="meter-label" data-testid="usage-percent">
          {view.percentText}
        </span>
        <span className="meter-detail" data-testid="usage-left">
          {view.detail}
        </span>
      </div>
    </div>
  );
}

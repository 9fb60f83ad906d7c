// Monthly quota periods anchored at the user's period start (users.period_start): the 31st rolls to the last day
// of shorter months, and the time of day is kept. A paid trader's anchor is the subscription's billing cycle
// anchor, the instant Stripe counts its renewals from, so a Jan 31 anchor renews Feb 28 then Mar 31 here as there
// (services/billing/plan.ts); a free trader's is the first instant of a calendar month (UTC), so their periods are
// calendar months. Pure: the rollover rule is tested without a clock. The one place the quota gate and
// /usage/current take their period from.
export interface BillingPeriod {
  start: Date;
  end: Date;
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/** The anchor moved by `months` whole months, its day clamped to the target month's length. */
export function addMonths(anchor: Date, months: number): Date {
  const total = anchor.getUTCMonth() + months;
  const year = anchor.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

/** The period that contains `at`: start <= at < end. */
export function billingPeriodAt(anchor: Date, at: Date): BillingPeriod {
  let months = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  if (addMonths(anchor, months) > at) months -= 1;
  return { start: addMonths(anchor, months), end: addMonths(anchor, months + 1) };
}

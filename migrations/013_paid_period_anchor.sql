-- A paid trader's quota periods follow the subscription's billing cycle anchor (services/billing/plan.ts): before,
-- each renewal's start became the anchor, and one that fell on a shorter month's last day (Feb 28, from Jan 31)
-- moved the next rollover to the 28th, days before Stripe's. Until its next event, a row anchored so is put right
-- from its own period end: of a period's two ends one falls in a month long enough for the anchor's day, so the
-- later day of the month of the two is the anchor's. The end itself is taken as the anchor (the period it gives now
-- is the one the counters count, so they are kept).
UPDATE users
   SET period_start = subscription_period_end
 WHERE tier <> 'free'
   AND subscription_period_end IS NOT NULL
   AND extract(day FROM subscription_period_end AT TIME ZONE 'UTC') > extract(day FROM period_start AT TIME ZONE 'UTC');

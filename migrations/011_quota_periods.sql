-- Issue 17: a free trader's quota period is the calendar month (UTC), a paid trader's the subscription's current
-- period. Periods run month to month from users.period_start (server/src/services/billing-period.ts), so a free
-- trader's anchor is now the first instant of a calendar month, and every period computed from it is a calendar
-- month. New traders start on the current month.
ALTER TABLE users
  ALTER COLUMN period_start SET DEFAULT (date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC');

-- Existing free traders anchored at sign-up move to the calendar month: this month's usage rows and the
-- reservations of turns still answering are keyed to it, and the counters recomputed from them, so the gate, the
-- meter and the rows agree from the first request. (A trader already on a month's start has nothing to move.)
UPDATE token_usage t
   SET billing_period_start = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  FROM users u
 WHERE t.user_id = u.id AND u.tier = 'free'
   AND u.period_start <> date_trunc('month', u.period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
   AND t.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';

UPDATE quota_reservations q
   SET period_start = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  FROM users u
 WHERE q.user_id = u.id AND u.tier = 'free'
   AND u.period_start <> date_trunc('month', u.period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';

UPDATE users u
   SET period_start = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       quota_period_start = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       quota_used = (SELECT coalesce(sum(coalesce(t.quota_tokens, t.input_tokens + t.output_tokens)), 0)
                       FROM token_usage t
                      WHERE t.user_id = u.id
                        AND t.billing_period_start = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
       quota_reserved = (SELECT coalesce(sum(q.tokens), 0) FROM quota_reservations q WHERE q.user_id = u.id)
 WHERE u.tier = 'free'
   AND u.period_start <> date_trunc('month', u.period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';

ALTER TABLE users ADD CONSTRAINT users_free_period_calendar_month CHECK (
  tier <> 'free' OR period_start = date_trunc('month', period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
);

-- The tier a usage row was recorded under (NULL: before this column), so each period's overage is computed from
-- its own rows: answers that settle after the counter has moved on to the next period are reported too.
ALTER TABLE token_usage ADD COLUMN tier text CHECK (tier IN ('free', 'pro', 'enterprise'));
UPDATE token_usage t
   SET tier = u.tier
  FROM users u
 WHERE t.user_id = u.id AND u.tier <> 'free' AND t.billing_period_start > now() - interval '62 days';

-- The overage outbox: a row covers its period's overage from (up_to_tokens - tokens) to up_to_tokens. Two passes
-- that read the same running total cannot both queue from it, whatever totals they reached.
CREATE UNIQUE INDEX overage_reports_from ON overage_reports (user_id, period_start, (up_to_tokens - tokens));
-- When the last usage the row reports happened: the meter event's timestamp.
ALTER TABLE overage_reports ADD COLUMN usage_at timestamptz;

-- billing_events is pruned of events older than 30 days (Stripe retries a delivery for 3).
CREATE INDEX billing_events_created ON billing_events (created_at);

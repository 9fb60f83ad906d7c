-- Billing (issue 17): Stripe's customer and subscription on the user, the webhook events already applied, and
-- the overage outbox.
ALTER TABLE users DROP CONSTRAINT users_subscription_status_check;
ALTER TABLE users
  ADD CONSTRAINT users_subscription_status_check CHECK (subscription_status IN (
    'none', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'
  )),
  ADD COLUMN stripe_customer_id     text UNIQUE,
  ADD COLUMN stripe_subscription_id text,
  -- The subscription's current period end (paid tiers); its start is period_start.
  ADD COLUMN subscription_period_end timestamptz,
  -- Stripe's `created` of the newest subscription event applied: an older one arriving later changes nothing.
  ADD COLUMN subscription_event_at  timestamptz;

-- Every webhook event applied, by Stripe's event id: a replayed event finds its row and changes nothing.
CREATE TABLE billing_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  created_at  timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Overage to report to Stripe's meter. A row is written once per (user, period, running total), so the same
-- tokens are never queued twice; it is sent with its id as the meter event's identifier, so a send retried
-- after a lost reply is counted once by Stripe; sent_at marks it done.
CREATE TABLE overage_reports (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  customer_id  text NOT NULL,
  period_start timestamptz NOT NULL,
  -- The period's overage up to and including this row; tokens is what this row adds.
  up_to_tokens bigint NOT NULL CHECK (up_to_tokens > 0),
  tokens       bigint NOT NULL CHECK (tokens > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  sent_at      timestamptz,
  UNIQUE (user_id, period_start, up_to_tokens)
);
CREATE INDEX overage_reports_unsent ON overage_reports (created_at) WHERE sent_at IS NULL;

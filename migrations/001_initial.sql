-- Strat Coach: users, usage, conversations, messages, rate-limit events, billing summary.
-- Tables are created in the current schema (search_path), so tests can isolate themselves.

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TABLE users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clerk_user_id       text NOT NULL UNIQUE,
  email               text,
  tier                text NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
  subscription_status text NOT NULL DEFAULT 'none'
                      CHECK (subscription_status IN ('none', 'trialing', 'active', 'past_due', 'canceled')),
  -- Anchor of the monthly billing period: periods run from this instant, month by month.
  period_start        timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  last_active_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE conversations (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER conversations_updated_at BEFORE UPDATE ON conversations
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- The conversation list: one user's conversations, most recently active first, keyset-paginated.
CREATE INDEX conversations_user_recent ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('user', 'assistant')),
  content         text NOT NULL,
  -- Image metadata only ([{ mediaType, bytes, width, height }]); the bytes are never stored.
  images          jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(images) = 'array'),
  -- Write order: exact even for messages stored in one transaction (same now()).
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_order ON messages (conversation_id, seq);

CREATE TABLE token_usage (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id      uuid REFERENCES conversations (id) ON DELETE SET NULL,
  request_id           text NOT NULL,
  model                text NOT NULL,
  input_tokens         integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens        integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cache_read_tokens    integer NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
  cache_write_tokens   integer NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
  cost_usd             numeric(14, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  latency_ms           integer CHECK (latency_ms >= 0),
  ttft_ms              integer CHECK (ttft_ms >= 0),
  status               text NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
  error_code           text,
  -- The billing period this request counts against (the user's period start at request time).
  billing_period_start timestamptz NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now()
);
-- usage/current: sums over one user's period. usage/history: newest first, keyset-paginated.
CREATE INDEX token_usage_user_period ON token_usage (user_id, billing_period_start);
CREATE INDEX token_usage_user_recent ON token_usage (user_id, created_at DESC, id DESC);
CREATE INDEX token_usage_conversation ON token_usage (conversation_id) WHERE conversation_id IS NOT NULL;

CREATE TABLE rate_limit_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  tier       text NOT NULL,
  route      text NOT NULL,
  "window"   text NOT NULL CHECK ("window" IN ('minute', 'hour')),
  "limit"    integer NOT NULL,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_events_user_recent ON rate_limit_events (user_id, created_at DESC);

-- Per user and billing period: what was spent. Refreshed by the billing job, not on the request path.
CREATE MATERIALIZED VIEW billing_summary AS
SELECT
  user_id,
  billing_period_start,
  count(*)                                    AS requests,
  count(*) FILTER (WHERE status = 'ok')       AS ok_requests,
  coalesce(sum(input_tokens), 0)::bigint      AS input_tokens,
  coalesce(sum(output_tokens), 0)::bigint     AS output_tokens,
  coalesce(sum(cache_read_tokens), 0)::bigint AS cache_read_tokens,
  coalesce(sum(cache_write_tokens), 0)::bigint AS cache_write_tokens,
  coalesce(sum(cost_usd), 0)::numeric(16, 6) AS cost_usd
FROM token_usage
GROUP BY user_id, billing_period_start;
-- Unique so the view can be refreshed CONCURRENTLY (readers are never blocked).
CREATE UNIQUE INDEX billing_summary_user_period ON billing_summary (user_id, billing_period_start);

-- When each usage row was written, whatever moment its created_at names (a turn recorded late, from the outbox,
-- keeps the time its answer ended). The overage pass re-sums only the traders with rows written since its last
-- pass, instead of every paid trader's two periods every minute on every instance. Existing rows take the time
-- of this migration (one value, stored once: no table rewrite).
ALTER TABLE token_usage ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX token_usage_recorded ON token_usage (recorded_at);

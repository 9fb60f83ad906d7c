-- The monthly quota as counters on the user row, so a reservation is one atomic UPDATE under the row
-- lock: concurrent requests cannot overshoot. The period rolls over lazily: a reservation that finds
-- an older quota_period_start resets both counters in the same statement.
ALTER TABLE users
  ADD COLUMN quota_period_start timestamptz,
  ADD COLUMN quota_used         bigint NOT NULL DEFAULT 0 CHECK (quota_used >= 0),
  ADD COLUMN quota_reserved     bigint NOT NULL DEFAULT 0 CHECK (quota_reserved >= 0);

-- Each coaching turn's quota reservation, until the turn is settled. users.quota_reserved stays the sum the
-- gate reads under the row lock; these rows say which turn holds what, so that
--   * settling is idempotent: a turn is settled by deleting its row, and only the statement that deleted it
--     records usage (a finish retried after a lost reply, or replayed from the outbox, changes nothing);
--   * a reservation whose turn never settled (the process died mid-answer) is found by its age and settled
--     by the sweeper, instead of holding the trader's quota until the period ends.
CREATE TABLE quota_reservations (
  -- The answer's message id: our own, unique per turn (never the client's request id).
  turn_id         uuid PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  request_id      text NOT NULL,
  model           text NOT NULL,
  period_start    timestamptz NOT NULL,
  input_tokens    bigint NOT NULL CHECK (input_tokens >= 0),
  tokens          bigint NOT NULL CHECK (tokens >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quota_reservations_age ON quota_reservations (created_at);
CREATE INDEX quota_reservations_user ON quota_reservations (user_id);

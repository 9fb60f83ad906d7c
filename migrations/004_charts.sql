-- Chart images kept with the question that carried them, so follow-ups show the model the same chart and
-- history can show it to the trader. Owned by the user, deleted with the message (and so with the
-- conversation), and deleted after CHART_RETENTION_DAYS by the server's retention sweep.
CREATE TABLE message_charts (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  position   smallint NOT NULL CHECK (position BETWEEN 0 AND 3),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  media_type text NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/webp')),
  -- The trader's timeframe label ("SPY 60m"), sent to the model before the image.
  label      text CHECK (label IS NULL OR length(label) BETWEEN 1 AND 40),
  data       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, position)
);
-- The retention sweep deletes the oldest first.
CREATE INDEX message_charts_created ON message_charts (created_at);

-- A question the model refused is kept for the trader but left out of what the model sees next (the
-- provider asks for the refused context to be dropped before the conversation continues).
ALTER TABLE messages ADD COLUMN refused boolean NOT NULL DEFAULT false;

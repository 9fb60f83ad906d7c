-- Refresh tokens of the built-in local issuer (embedded default only; Clerk keeps its own).
-- Only a SHA-256 of each token is stored. Rotation: every use revokes the token and issues the next one
-- in the same family; presenting a revoked token revokes the whole family (reuse detection).
CREATE TABLE oauth_refresh_tokens (
  token_hash text PRIMARY KEY,
  family_id  uuid NOT NULL,
  subject    text NOT NULL,
  client_id  text NOT NULL,
  scope      text NOT NULL DEFAULT '',
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family_id);

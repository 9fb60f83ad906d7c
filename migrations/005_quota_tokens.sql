-- What each call counted against the trader's monthly quota. With the conversation cached, a question's
-- own tokens (its text, its charts, the answer it follows) can arrive as cache writes rather than uncached
-- input: the quota counts them once, when they are new, and never again when they are read back. Rows from
-- before this column counted uncached input + output, which is what NULL stands for.
ALTER TABLE token_usage ADD COLUMN quota_tokens integer CHECK (quota_tokens >= 0);

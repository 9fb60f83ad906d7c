-- Search of a trader's conversations (GET /conversations?q=), by title and by message text: full-text search,
-- which is core PostgreSQL and so the same on PGlite (pg_trgm is an extension PGlite would have to load).
--
-- A document is read twice: in English, stemmed ("hammer" finds "hammers", "inside bar" finds "inside bars"),
-- and as plain words, where no word is a stop word (tickers such as IT, ON, ALL or A are found). The parser
-- reads "2-1-2" as 2, -1, -2 and "2–1–2" (en dash) as 2, 1, 2, so a run of digits joined by dashes is made
-- one word for the plain reading ("2x1x2": "2-1-2" finds "2–1–2" and not "3-1-2"), and numbers apart for
-- the English one ("4520" finds "4520-4530"). The bodies name only pg_catalog functions: maintenance
-- (ANALYZE, REINDEX) evaluates the index with a search_path of pg_catalog alone.
CREATE FUNCTION conversation_search_document(body text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT to_tsvector('english', regexp_replace(body, '(\d)[-‐‑‒–—−](?=\d)', '\1 ', 'g'))
      || to_tsvector('simple', regexp_replace(body, '(\d)[-‐‑‒–—−](?=\d)', '\1x', 'g'))
$$;

-- What the trader typed, read as a web search box reads it: every word is required, "quoted words" are a
-- phrase, `or` means either, -word excludes. Either reading of a document may match.
CREATE FUNCTION conversation_search_query(words text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT websearch_to_tsquery('english', regexp_replace(words, '(\d)[-‐‑‒–—−](?=\d)', '\1x', 'g'))
      || websearch_to_tsquery('simple', regexp_replace(words, '(\d)[-‐‑‒–—−](?=\d)', '\1x', 'g'))
$$;

-- Message text is searched through this index; titles are few per trader and read from their own rows.
CREATE INDEX messages_search ON messages USING gin (conversation_search_document(content));

-- A rename is not activity: the history keeps the order in which the trader last talked.
DROP TRIGGER conversations_updated_at ON conversations;
CREATE TRIGGER conversations_updated_at BEFORE UPDATE ON conversations
  FOR EACH ROW WHEN (OLD.title IS NOT DISTINCT FROM NEW.title) EXECUTE FUNCTION set_updated_at();

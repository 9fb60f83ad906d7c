-- An answer that failed part way (the model's connection was lost, it went silent, the server restarted): the
-- words delivered are kept, and history says they are not the whole answer, as it does for 'stopped' and
-- 'cut_short'. Without it a reopened conversation showed such an answer as if it were complete.
ALTER TABLE messages DROP CONSTRAINT messages_ending_check;
ALTER TABLE messages ADD CONSTRAINT messages_ending_check CHECK (ending IN ('stopped', 'cut_short', 'failed'));

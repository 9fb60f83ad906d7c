-- How an answer ended short of whole, so history keeps saying so: 'stopped' (the trader pressed Stop, or left)
-- or 'cut_short' (the model reached max_tokens). NULL for a whole answer, and for questions.
ALTER TABLE messages ADD COLUMN ending text CHECK (ending IN ('stopped', 'cut_short'));

-- The journal witnessed from outside (issue 17, item 4): once a day the job journal_publish copies the journal's
-- head (its last entry's number and hash) here; /journal/atom.xml and /journal/DAY.txt publish these rows, and
-- `tremplin journal verify --against FILE` checks that the entry a published head names still has that hash, so that
-- rewriting an old entry and its whole chain after publication is caught.
CREATE TABLE journal_published (
	day TEXT PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	at BIGINT NOT NULL
);

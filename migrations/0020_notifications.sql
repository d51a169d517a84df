-- In-app notifications (issue 19, item 1): every message the platform queues for a person through notify_* is
-- also kept here, in the same transaction, so that the person finds it on /notifications (the emails stay); the
-- header counts the unread ones. Kept a year (retention).
CREATE TABLE notifications (
	id @ID@,
	person_id BIGINT NOT NULL REFERENCES people (id),
	created_at BIGINT NOT NULL,
	subject TEXT NOT NULL,
	-- the page the message links to, a path of the site ("/dossiers/12"), or NULL
	path TEXT,
	read_at BIGINT
);
CREATE INDEX notifications_person ON notifications (person_id, id);

-- Personal data over time (issue 17, item 3): when a CV was deposited (the CV rule of domain/privacy/retention.c
-- counts from it), when a person was anonymised (by the retention rule for inactive candidates or at their own
-- request: both through privacy_anonymise), and the erasure requests, with the reasons a refusal gave.
ALTER TABLE candidates ADD COLUMN cv_at BIGINT;
UPDATE candidates SET cv_at = updated_at WHERE cv IS NOT NULL;
ALTER TABLE people ADD COLUMN anonymised_at BIGINT;

-- state: pending (recorded, waiting for the person's confirmation), done (anonymised), refused (reasons: a JSON
-- array of {code, reason, basis}), cancelled (a newer request replaced it).
CREATE TABLE erasure_requests (
	id @ID@,
	person_id BIGINT NOT NULL REFERENCES people (id),
	state TEXT NOT NULL,
	reasons TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	decided_at BIGINT
);
CREATE INDEX erasure_requests_person ON erasure_requests (person_id, state);

-- The notes rule reads only the reports that still carry notes or the line as received.
CREATE INDEX activity_reports_notes ON activity_reports (created_at) WHERE notes IS NOT NULL OR raw IS NOT NULL;

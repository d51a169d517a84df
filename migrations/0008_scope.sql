-- Who sees what: the regions of a membership become rows (they were '|'-joined text), and a prescriber follows
-- a candidate only once the candidate has accepted (or invited) it.

CREATE TABLE membership_regions (
	membership_id BIGINT NOT NULL REFERENCES memberships (id) ON DELETE CASCADE,
	region_code TEXT NOT NULL REFERENCES regions (code),
	PRIMARY KEY (membership_id, region_code)
);
CREATE INDEX membership_regions_region ON membership_regions (region_code);

-- Every code of the old lists is a region (memberships were checked against the table when written).
INSERT INTO membership_regions (membership_id, region_code)
SELECT m.id, g.code FROM memberships m JOIN regions g ON ('|' || m.regions || '|') LIKE ('%|' || g.code || '|%');

ALTER TABLE memberships DROP COLUMN regions;

-- requested (by the prescriber, waiting for the candidate), accepted (by the candidate, or invited by them).
-- Follows made before this migration were never consented to: they become requests the candidate answers.
ALTER TABLE candidate_followers ADD COLUMN state TEXT NOT NULL DEFAULT 'requested';
ALTER TABLE candidate_followers ADD COLUMN decided_at BIGINT;
CREATE INDEX candidate_followers_organisation ON candidate_followers (organisation_id, state);

-- When the candidate consented to the application: at once for their own, on accepting for a proposal (mise en
-- relation) a structure made. A proposal declined, unanswered or withdrawn before it was accepted opens nothing.
ALTER TABLE applications ADD COLUMN consented_at BIGINT;
UPDATE applications SET consented_at = created_at WHERE origin = 'candidate';
UPDATE applications SET consented_at = (SELECT MIN(j.at) FROM journal j WHERE j.entity = 'application' AND
	j.entity_id = applications.id AND j.action = 'accept_proposal') WHERE origin <> 'candidate';

-- Bumped by every write to regions, départements, programmes and job profiles: the in-memory snapshot of the
-- reference data is rebuilt when it moves.
INSERT INTO settings (key, value) VALUES ('refdata_version', '1');

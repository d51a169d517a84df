-- Lists as rows: the regions a resource pole covers and the job profiles a candidate wishes for were '|'-joined
-- text, parsed wherever they were read; they become rows (as 0008 did for the regions of a membership).

-- POSITION keeps the order the regions were given in.
CREATE TABLE pole_regions (
	pole_id BIGINT NOT NULL REFERENCES poles (id) ON DELETE CASCADE,
	region_code TEXT NOT NULL REFERENCES regions (code),
	position BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (pole_id, region_code)
);
CREATE INDEX pole_regions_region ON pole_regions (region_code);

-- Every code of the old lists is a region (poles were checked against the table when written); its position is the
-- number of codes before it in the list, found in the list with its bars doubled ('84|11' is '|84||11|', so that
-- neighbours each keep their own bars; codes are digits: no LIKE wildcard in them).
INSERT INTO pole_regions (pole_id, region_code, position)
SELECT p.id, g.code, (SELECT COUNT(*) FROM regions b WHERE ('|' || REPLACE(p.regions, '|', '||') || '|') LIKE
	('%|' || b.code || '|%|' || g.code || '|%'))
FROM poles p JOIN regions g ON ('|' || p.regions || '|') LIKE ('%|' || g.code || '|%');

ALTER TABLE poles DROP COLUMN regions;

CREATE TABLE candidate_wished_profiles (
	candidate_id BIGINT NOT NULL REFERENCES candidates (person_id) ON DELETE CASCADE,
	job_profile_id BIGINT NOT NULL REFERENCES job_profiles (id),
	PRIMARY KEY (candidate_id, job_profile_id)
);
CREATE INDEX candidate_wished_profiles_profile ON candidate_wished_profiles (job_profile_id);

-- Every id of the old lists is a job profile (profiles were checked against the table when written).
INSERT INTO candidate_wished_profiles (candidate_id, job_profile_id)
SELECT c.person_id, j.id FROM candidates c JOIN job_profiles j
	ON ('|' || c.wished_profiles || '|') LIKE ('%|' || CAST(j.id AS TEXT) || '|%');

ALTER TABLE candidates DROP COLUMN wished_profiles;

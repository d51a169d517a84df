-- Recruitment: job offers opened by validated dossiers, candidates and the prescribers who follow them,
-- eligibility diagnoses against each programme's criteria (data), applications, contracts with double
-- tutoring, and the claims of scheduled jobs. The lifecycles are transition tables in domain/.

-- A programme's eligibility criteria, as data (see domain/eligibility.c for the format), how long a
-- diagnosis stays valid and whether a contract needs one.
ALTER TABLE programmes ADD COLUMN eligibility TEXT NOT NULL DEFAULT '{}';
ALTER TABLE programmes ADD COLUMN eligibility_valid_months BIGINT NOT NULL DEFAULT 6;
ALTER TABLE programmes ADD COLUMN requires_eligibility INTEGER NOT NULL DEFAULT 0;
-- The longest a person may work under the programme, renewals included (months).
ALTER TABLE programmes ADD COLUMN total_max_months BIGINT NOT NULL DEFAULT 36;

CREATE TABLE offers (
	id @ID@,
	dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	job_profile_id BIGINT NOT NULL REFERENCES job_profiles (id),
	place_id TEXT NOT NULL REFERENCES places (id),
	-- Where the place is, copied when the offer is saved: search and matching read no other table.
	commune_code TEXT,
	departement_code TEXT,
	region_code TEXT,
	latitude @REAL@,
	longitude @REAL@,
	title TEXT NOT NULL,
	start_on TEXT NOT NULL,
	contract_type TEXT NOT NULL,
	duration_months BIGINT,
	weekly_hours BIGINT NOT NULL,
	description TEXT NOT NULL,
	how_to_apply TEXT,
	posts BIGINT NOT NULL DEFAULT 1,
	state TEXT NOT NULL DEFAULT 'open',
	closed_reason TEXT,
	created_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX offers_dossier ON offers (dossier_id);
CREATE INDEX offers_search ON offers (state, region_code, departement_code);

-- A candidate is a person (account) with a profile.
CREATE TABLE candidates (
	person_id BIGINT PRIMARY KEY REFERENCES people (id),
	birth_date TEXT,
	commune_code TEXT REFERENCES communes (code),
	latitude @REAL@,
	longitude @REAL@,
	qualification_level TEXT,
	digital_diploma INTEGER NOT NULL DEFAULT 0,
	rqth INTEGER NOT NULL DEFAULT 0,
	seeking_since TEXT,
	priority_area TEXT NOT NULL DEFAULT 'none',
	max_distance_km BIGINT NOT NULL DEFAULT 30,
	available_from TEXT,
	-- '|'-joined job profile ids.
	wished_profiles TEXT NOT NULL DEFAULT '',
	hidden INTEGER NOT NULL DEFAULT 0,
	cv @BLOB@,
	cv_name TEXT,
	cv_size BIGINT,
	cv_sha256 TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);

-- The prescribers (Mission locale, Pôle emploi, Cap emploi) that follow a candidate.
CREATE TABLE candidate_followers (
	candidate_id BIGINT NOT NULL REFERENCES candidates (person_id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	since BIGINT NOT NULL,
	PRIMARY KEY (candidate_id, organisation_id)
);

CREATE TABLE eligibility_diagnoses (
	id @ID@,
	candidate_id BIGINT NOT NULL REFERENCES candidates (person_id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	organisation_id BIGINT REFERENCES organisations (id),
	prescriber_id BIGINT REFERENCES people (id),
	-- The criteria evaluated from the profile, each met or not (JSON), and what they concluded.
	criteria TEXT NOT NULL,
	computed_eligible INTEGER NOT NULL,
	-- The prescriber's conclusion, which may differ from the computed one (with a comment).
	eligible INTEGER NOT NULL,
	overridden INTEGER NOT NULL DEFAULT 0,
	comment TEXT,
	decided_on TEXT NOT NULL,
	valid_until TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX eligibility_candidate ON eligibility_diagnoses (candidate_id, programme_id, valid_until);

CREATE TABLE applications (
	id @ID@,
	offer_id BIGINT NOT NULL REFERENCES offers (id),
	candidate_id BIGINT NOT NULL REFERENCES candidates (person_id),
	state TEXT NOT NULL,
	-- 'candidate' (applied) or 'structure' (a proposal of contact the candidate accepted or declined).
	origin TEXT NOT NULL DEFAULT 'candidate',
	message TEXT,
	refusal_reason TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	state_since BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (offer_id, candidate_id)
);
CREATE INDEX applications_candidate ON applications (candidate_id, state);
CREATE INDEX applications_pending ON applications (state, state_since);

CREATE TABLE contracts (
	id @ID@,
	application_id BIGINT REFERENCES applications (id),
	offer_id BIGINT NOT NULL REFERENCES offers (id),
	dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	candidate_id BIGINT NOT NULL REFERENCES candidates (person_id),
	region_code TEXT,
	contract_type TEXT NOT NULL,
	start_on TEXT NOT NULL,
	end_on TEXT,
	weekly_hours BIGINT NOT NULL,
	tutor_id BIGINT NOT NULL REFERENCES people (id),
	tutor_experience TEXT,
	sponsor_name TEXT,
	sponsor_contact TEXT,
	sponsor_id BIGINT REFERENCES people (id),
	company_name TEXT,
	company_siret TEXT,
	company_activity TEXT,
	pole_id BIGINT REFERENCES poles (id),
	state TEXT NOT NULL DEFAULT 'planned',
	state_since BIGINT NOT NULL,
	end_reason TEXT,
	ended_on TEXT,
	outcome TEXT,
	followup_due_on TEXT,
	followup_outcome TEXT,
	followup_reminded INTEGER NOT NULL DEFAULT 0,
	renewed_from BIGINT REFERENCES contracts (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
-- One live contract per person: two structures accepting the same candidate at once get one contract.
CREATE UNIQUE INDEX contracts_live_candidate ON contracts (candidate_id) WHERE state IN ('planned', 'active', 'suspended');
CREATE INDEX contracts_dossier ON contracts (dossier_id, state);
CREATE INDEX contracts_org ON contracts (organisation_id);

-- Scheduled jobs: each run is claimed here, so that with several servers a job runs once.
CREATE TABLE job_runs (
	name TEXT PRIMARY KEY,
	next_run_at BIGINT NOT NULL,
	claimed_until BIGINT NOT NULL DEFAULT 0,
	last_run_at BIGINT
);

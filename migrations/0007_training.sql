-- Training and the resource poles: the poles' preliminary diagnoses of EPN, their resources library and
-- register of partner companies (vivier); training organisations; each contract's employment-training
-- path (modules); training sessions (modules or tutor training) with registrations, waiting lists and
-- attendance; the skills self-assessment grid (the national framework's competences and each job
-- profile's skills, assessments by the young person and the tutor).

-- A pole's preliminary diagnosis of an EPN before a new service: a checklist per job profile.
CREATE TABLE pole_diagnoses (
	id @ID@,
	pole_id BIGINT NOT NULL REFERENCES poles (id),
	dossier_id BIGINT REFERENCES dossiers (id),
	place_id TEXT REFERENCES places (id),
	job_profile_id BIGINT REFERENCES job_profiles (id),
	-- [{code, label, ok, comment}] for equipment, space, public, partners, tutor availability.
	checklist TEXT NOT NULL DEFAULT '[]',
	conclusion TEXT,
	recommendations TEXT,
	author_id BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX pole_diagnoses_dossier ON pole_diagnoses (dossier_id);

-- The resources library (mutualisation): documents and links of a pole, read by every pole and structure.
CREATE TABLE resources (
	id @ID@,
	pole_id BIGINT NOT NULL REFERENCES poles (id),
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT,
	url TEXT,
	tags TEXT NOT NULL DEFAULT '',
	file @BLOB@,
	file_name TEXT,
	file_type TEXT,
	file_size BIGINT,
	-- Title and description folded (accents, case) for the search.
	search_key TEXT NOT NULL DEFAULT '',
	author_id BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX resources_pole ON resources (pole_id);

-- The register of partner companies that can sponsor young people.
CREATE TABLE partner_companies (
	id @ID@,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL DEFAULT '',
	siret TEXT UNIQUE,
	activity TEXT,
	commune_code TEXT REFERENCES communes (code),
	departement_code TEXT,
	region_code TEXT,
	contact_name TEXT,
	contact_email TEXT,
	contact_phone TEXT,
	-- '|'-joined ids of the programmes and job profiles they can sponsor.
	programmes TEXT NOT NULL DEFAULT '',
	job_profiles TEXT NOT NULL DEFAULT '',
	pole_id BIGINT REFERENCES poles (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX partner_companies_region ON partner_companies (region_code, departement_code);

-- Training organisations are organisations of kind "trainer"; their accreditation is here. Their trainers
-- are the people holding the "trainer" role in them.
CREATE TABLE training_organisations (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id),
	accreditation TEXT,
	accredited_from TEXT,
	accredited_until TEXT,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);

-- A contract's employment-training path: its modules.
CREATE TABLE path_modules (
	id @ID@,
	contract_id BIGINT NOT NULL REFERENCES contracts (id),
	position BIGINT NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	training_org_id BIGINT REFERENCES organisations (id),
	hours_planned BIGINT NOT NULL DEFAULT 0,
	hours_done BIGINT NOT NULL DEFAULT 0,
	starts_on TEXT,
	ends_on TEXT,
	certifying INTEGER NOT NULL DEFAULT 0,
	certification TEXT,
	state TEXT NOT NULL DEFAULT 'planned',
	state_since BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX path_modules_contract ON path_modules (contract_id, position);

-- Training sessions: a module for recruits or a tutor training, with its seats and its deadline.
CREATE TABLE training_sessions (
	id @ID@,
	programme_id BIGINT REFERENCES programmes (id),
	audience TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT,
	training_org_id BIGINT REFERENCES organisations (id),
	pole_id BIGINT REFERENCES poles (id),
	place_id TEXT REFERENCES places (id),
	remote INTEGER NOT NULL DEFAULT 0,
	region_code TEXT,
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	hours BIGINT NOT NULL DEFAULT 0,
	capacity BIGINT NOT NULL,
	min_registrants BIGINT NOT NULL DEFAULT 0,
	registration_deadline TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'open',
	state_since BIGINT NOT NULL,
	cancel_reason TEXT,
	created_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX training_sessions_deadline ON training_sessions (state, registration_deadline);

CREATE TABLE session_registrations (
	id @ID@,
	session_id BIGINT NOT NULL REFERENCES training_sessions (id),
	person_id BIGINT NOT NULL REFERENCES people (id),
	contract_id BIGINT REFERENCES contracts (id),
	path_module_id BIGINT REFERENCES path_modules (id),
	-- registered (a seat), waiting (the waiting list, in id order), cancelled.
	state TEXT NOT NULL,
	registered_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (session_id, person_id)
);
CREATE INDEX session_registrations_person ON session_registrations (person_id);

CREATE TABLE attendance (
	session_id BIGINT NOT NULL REFERENCES training_sessions (id),
	person_id BIGINT NOT NULL REFERENCES people (id),
	day TEXT NOT NULL,
	present INTEGER NOT NULL,
	hours BIGINT NOT NULL DEFAULT 0,
	recorded_by BIGINT REFERENCES people (id),
	recorded_at BIGINT NOT NULL,
	PRIMARY KEY (session_id, person_id, day)
);

-- The competences of the grid: the national framework's 16 (job_profile_id NULL) and each job
-- profile's skills.
CREATE TABLE competences (
	id @ID@,
	code TEXT NOT NULL,
	domain TEXT NOT NULL,
	title TEXT NOT NULL,
	job_profile_id BIGINT REFERENCES job_profiles (id),
	position BIGINT NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX competences_code ON competences (COALESCE(job_profile_id, 0), code);

-- One assessment: who assessed whom (self or tutor), when, at which moment of the contract.
CREATE TABLE assessments (
	id @ID@,
	contract_id BIGINT NOT NULL REFERENCES contracts (id),
	person_id BIGINT NOT NULL REFERENCES people (id),
	assessor_id BIGINT NOT NULL REFERENCES people (id),
	assessor_role TEXT NOT NULL,
	moment TEXT NOT NULL,
	assessed_on TEXT NOT NULL,
	comment TEXT,
	created_at BIGINT NOT NULL
);
CREATE INDEX assessments_contract ON assessments (contract_id, assessed_on);

CREATE TABLE assessment_levels (
	assessment_id BIGINT NOT NULL REFERENCES assessments (id),
	competence_id BIGINT NOT NULL REFERENCES competences (id),
	level BIGINT NOT NULL,
	PRIMARY KEY (assessment_id, competence_id)
);

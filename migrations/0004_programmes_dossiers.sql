-- Programmes (dispositifs) as data, their job profiles and interregional resource poles, and the
-- employer's application (dossier, "protocole d'adhésion") with its regional opinion, national decision
-- and message thread. States and actions are the transition table of domain/dossier.c.

CREATE TABLE programmes (
	id @ID@,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	legal_basis TEXT,
	starts_on TEXT,
	ends_on TEXT,
	target_posts BIGINT NOT NULL DEFAULT 0,
	budget_euros BIGINT NOT NULL DEFAULT 0,
	contract_min_months BIGINT NOT NULL,
	contract_max_months BIGINT NOT NULL,
	weekly_hours BIGINT NOT NULL DEFAULT 35,
	training_months BIGINT NOT NULL DEFAULT 0,
	-- '|'-joined codes of vocab_employer_category.
	employer_categories TEXT NOT NULL DEFAULT '',
	requires_tutor INTEGER NOT NULL DEFAULT 1,
	requires_sponsor INTEGER NOT NULL DEFAULT 0,
	requires_company INTEGER NOT NULL DEFAULT 0,
	requires_pole INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);

-- The share of a programme's target given to a region (optional): a validation past it, like one past
-- the programme's target, needs an explicit override.
CREATE TABLE programme_region_targets (
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	region_code TEXT NOT NULL REFERENCES regions (code),
	target_posts BIGINT NOT NULL,
	PRIMARY KEY (programme_id, region_code)
);

CREATE TABLE job_profiles (
	id @ID@,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	code TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT,
	missions TEXT,
	competences TEXT,
	training_template TEXT,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (programme_id, code)
);

-- An interregional resource pole of a programme; regions are '|'-joined INSEE codes. Its staff are the
-- people holding the "pole" role (memberships name the regions they cover).
CREATE TABLE poles (
	id @ID@,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	organisation_id BIGINT REFERENCES organisations (id),
	regions TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (programme_id, code)
);

CREATE TABLE dossiers (
	id @ID@,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	state TEXT NOT NULL DEFAULT 'draft',
	version BIGINT NOT NULL DEFAULT 1,
	-- The region of the place, kept in step with it: routing, scope and quotas.
	region_code TEXT,
	created_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	submitted_at BIGINT,
	state_since BIGINT NOT NULL,
	-- Annex I.
	place_id TEXT REFERENCES places (id),
	employer_category TEXT,
	contact_name TEXT,
	contact_email TEXT,
	contact_phone TEXT,
	project TEXT,
	job_profile_id BIGINT REFERENCES job_profiles (id),
	netpublic INTEGER NOT NULL DEFAULT 0,
	listed_national INTEGER NOT NULL DEFAULT 0,
	tutor_name TEXT,
	tutor_qualities TEXT,
	sponsor_name TEXT,
	sponsor_qualities TEXT,
	company_name TEXT,
	company_siret TEXT,
	company_activity TEXT,
	pole_id BIGINT REFERENCES poles (id),
	training_path TEXT,
	development_project TEXT,
	posts_requested BIGINT,
	signed_on TEXT,
	signatory TEXT,
	-- The regional opinion (avis du SGAR).
	opinion TEXT,
	opinion_suggestions TEXT,
	opinion_advice TEXT,
	opinion_by BIGINT REFERENCES people (id),
	opinion_at BIGINT,
	-- The national decision.
	decision TEXT,
	posts_granted BIGINT NOT NULL DEFAULT 0,
	decision_reason TEXT,
	quota_override TEXT,
	decision_by BIGINT REFERENCES people (id),
	decision_at BIGINT,
	pdf_sha256 TEXT,
	-- The last questions asked (request_changes) and the last reason given (withdraw, reopen).
	questions TEXT,
	last_reason TEXT
);
CREATE INDEX dossiers_org ON dossiers (organisation_id);
CREATE INDEX dossiers_queue ON dossiers (state, region_code, state_since);
CREATE INDEX dossiers_programme ON dossiers (programme_id, region_code, state);

CREATE TABLE dossier_messages (
	id @ID@,
	dossier_id BIGINT NOT NULL REFERENCES dossiers (id),
	author_id BIGINT REFERENCES people (id),
	author_label TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX dossier_messages_dossier ON dossier_messages (dossier_id, id);

-- Foundation: settings, reference geography, organisations, people, memberships, sessions, tokens,
-- throttling, the journal and the outbox. Portable SQL; @ID@, @BLOB@ and @REAL@ are replaced per
-- engine by store/migrate.c. Times are seconds since the epoch (BIGINT); booleans are INTEGER 0/1.

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE regions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL
);

CREATE TABLE departements (
	code TEXT PRIMARY KEY,
	region_code TEXT NOT NULL REFERENCES regions (code),
	name TEXT NOT NULL,
	name_key TEXT NOT NULL
);

CREATE TABLE communes (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	departement_code TEXT NOT NULL REFERENCES departements (code),
	region_code TEXT NOT NULL REFERENCES regions (code),
	population BIGINT NOT NULL DEFAULT 0,
	postal_codes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX communes_name_key ON communes (name_key);
CREATE INDEX communes_departement ON communes (departement_code);

CREATE TABLE commune_postal_codes (
	postal_code TEXT NOT NULL,
	commune_code TEXT NOT NULL REFERENCES communes (code),
	PRIMARY KEY (postal_code, commune_code)
);

CREATE TABLE organisations (
	id @ID@,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	siret TEXT,
	rna TEXT,
	address TEXT,
	commune_code TEXT REFERENCES communes (code),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX organisations_siret ON organisations (siret);
CREATE UNIQUE INDEX organisations_rna ON organisations (rna);
CREATE INDEX organisations_kind ON organisations (kind);

CREATE TABLE people (
	id @ID@,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	last_login_at BIGINT,
	version BIGINT NOT NULL DEFAULT 1
);

-- A role held by a person, scoped by an organisation and/or a set of regions ('|'-separated INSEE
-- region codes).
CREATE TABLE memberships (
	id @ID@,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	organisation_id BIGINT REFERENCES organisations (id),
	regions TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX memberships_person ON memberships (person_id);
CREATE INDEX memberships_organisation ON memberships (organisation_id);

-- Sessions are stored by the SHA-256 of their id: a copy of the table opens no session.
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
	id @ID@,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT,
	revoked_at BIGINT
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

-- Invitation and password-reset links: single use, with an expiry.
CREATE TABLE one_time_tokens (
	token_hash TEXT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX one_time_tokens_person ON one_time_tokens (person_id);

-- Failed sign-ins, by key ("email:…" or "ip:…"), for throttling shared by every server.
CREATE TABLE login_failures (
	id @ID@,
	key TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

-- The append-only journal: each entry carries the SHA-256 of the previous one. journal_head (one row)
-- serialises appends on both engines: updating it takes the row lock.
CREATE TABLE journal (
	id BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor_id BIGINT,
	actor_label TEXT NOT NULL DEFAULT '',
	entity TEXT NOT NULL,
	entity_id BIGINT,
	action TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '{}',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX journal_entity ON journal (entity, entity_id);

CREATE TABLE journal_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO journal_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Messages written in the same transaction as the change that causes them; a worker delivers them.
CREATE TABLE outbox (
	id @ID@,
	created_at BIGINT NOT NULL,
	recipient TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	claimed_until BIGINT,
	last_error TEXT,
	sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

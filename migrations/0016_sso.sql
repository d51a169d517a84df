-- Sign-in with OpenID Connect providers (ProConnect for professionals, FranceConnect for candidates): the flows under
-- way, the links between a provider's subject and an account, the identities waiting for a person or an
-- administrator, and the civil-status identity FranceConnect certifies.

-- A sign-in under way: created when the browser leaves for the provider, used up (deleted) when it comes back. The
-- state and the browser's cookie are stored by their SHA-256; the nonce and the PKCE verifier are checked against
-- what the provider answers. Ten minutes at most.
CREATE TABLE oidc_flows (
	state_hash TEXT PRIMARY KEY,
	browser_hash TEXT NOT NULL,
	provider TEXT NOT NULL,
	nonce TEXT NOT NULL,
	code_verifier TEXT NOT NULL,
	next TEXT NOT NULL DEFAULT '/',
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_flows_expires ON oidc_flows (expires_at);

-- One provider identity (its subject, "sub") attached to one account.
CREATE TABLE oidc_links (
	provider TEXT NOT NULL,
	sub TEXT NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT,
	PRIMARY KEY (provider, sub)
);
CREATE INDEX oidc_links_person ON oidc_links (person_id);

-- An identity the provider vouched for that is not attached yet. kind 'link': an account has its email; the person
-- confirms with that account's password from the same browser (browser_hash) within the hour. kind 'account': no
-- account had it; an inactive account was made (person_id) and waits for an administrator, or for the
-- administrators of the organisation whose SIRET the provider gave (organisation_id). state: pending, approved,
-- refused, used (a link confirmed). A link may be confirmed by email instead: email_token_hash is the SHA-256 of the
-- link sent to the account's address (valid as long as the row).
CREATE TABLE oidc_pending (
	id @ID@,
	kind TEXT NOT NULL,
	provider TEXT NOT NULL,
	sub TEXT NOT NULL,
	email TEXT NOT NULL,
	name TEXT NOT NULL,
	siret TEXT,
	claims TEXT NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	organisation_id BIGINT REFERENCES organisations (id),
	browser_hash TEXT,
	email_token_hash TEXT,
	state TEXT NOT NULL DEFAULT 'pending',
	created_at BIGINT NOT NULL,
	expires_at BIGINT,
	decided_by BIGINT REFERENCES people (id),
	decided_at BIGINT
);
CREATE INDEX oidc_pending_state ON oidc_pending (state, kind);
CREATE INDEX oidc_pending_person ON oidc_pending (person_id);
CREATE INDEX oidc_pending_email_token ON oidc_pending (email_token_hash);

-- The civil-status identity a provider certified (FranceConnect): read-only in the candidate's profile afterwards.
CREATE TABLE person_identities (
	person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
	provider TEXT NOT NULL,
	given_name TEXT NOT NULL,
	family_name TEXT NOT NULL,
	birthdate TEXT,
	gender TEXT,
	birthplace TEXT,
	birthcountry TEXT,
	verified_at BIGINT NOT NULL
);

-- A session opened through a provider remembers it and its ID token, to sign out there too (id_token_hint).
ALTER TABLE sessions ADD COLUMN oidc_provider TEXT;
ALTER TABLE sessions ADD COLUMN oidc_id_token TEXT;

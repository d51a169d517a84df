-- Two-factor authentication (TOTP, RFC 6238) and API tokens with scopes and an expiry (issue 15).
-- A person's TOTP secret is stored encrypted (libsodium secretbox under [auth] totp_key, or the key of the
-- settings row 'totp_key' when that setting is empty): never in clear, never in the journal. last_step is the
-- last time step a code was accepted for, so that a code is never accepted twice (RFC 6238, 5.2).
CREATE TABLE second_factors (
	person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
	secret_box TEXT NOT NULL,
	confirmed_at BIGINT,
	created_at BIGINT NOT NULL,
	last_step BIGINT NOT NULL DEFAULT 0
);

-- Ten single-use recovery codes, shown once; only their SHA-256 is kept.
CREATE TABLE recovery_codes (
	id @ID@,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at BIGINT
);
CREATE INDEX recovery_codes_person ON recovery_codes (person_id);

-- When the session last passed the second factor (0: not yet; a session of a person who needs one is partial
-- until then).
ALTER TABLE sessions ADD COLUMN second_factor_at BIGINT NOT NULL DEFAULT 0;

-- A token's scopes ("*", or areas with their access, "places:read dossiers:write") and its expiry (NULL: the
-- tokens made before scopes existed, which keep their owner's whole reach until revoked).
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '*';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;

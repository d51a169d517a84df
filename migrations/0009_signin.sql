-- Sign-in and accounts, hardened: self-registered accounts open only once their address is confirmed, and the
-- outbox forgets the links it carried once they are sent.

-- NULL until the person proves the address is theirs (a self-registration's confirmation link). Accounts made by an
-- admin, or through an invitation, and every account made before this column, count as confirmed.
ALTER TABLE people ADD COLUMN confirmed_at BIGINT;
UPDATE people SET confirmed_at = created_at;

-- 1 for a message that carries a secret (an invitation, reset or confirmation link): its body is replaced once the
-- message is sent or has failed for good; the row stays, for the record.
ALTER TABLE outbox ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;

-- Why a token stopped working, shown on the account page: 'manual' (its owner or an admin revoked it),
-- 'password_change' or 'password_reset' (every token of the person is revoked when the password changes).
ALTER TABLE api_tokens ADD COLUMN revoked_reason TEXT;
UPDATE api_tokens SET revoked_reason = 'manual' WHERE revoked_at IS NOT NULL;

-- Browsers that signed in to an account (the SHA-256 of a random cookie, tremplin_device): their attempts on that
-- account skip the account's wait after failures made elsewhere, so that an attacker who slows an account down does
-- not slow its owner down. They count under their own key instead.
CREATE TABLE login_devices (
	token_hash TEXT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL
);
CREATE INDEX login_devices_person ON login_devices (person_id);

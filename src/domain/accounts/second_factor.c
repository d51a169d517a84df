/* TOTP enrolment and checks, recovery codes, step-up freshness. */
#include "domain/accounts/second_factor.h"

#include <sodium.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/form.h"
#include "core/totp.h"
#include "domain/accounts/session.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RECOVERY_ALPHABET "abcdefghjkmnpqrstuvwxyz23456789"
#define RECOVERY_LEN 10 /* shown as two groups of five */

bool
second_factor_required(const struct ctx *ctx, const struct actor *actor)
{
	return ctx->cfg->require_second_factor && actor != NULL &&
	       (actor->role_mask & (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_PAYER))) != 0;
}

bool
second_factor_stale(const struct ctx *ctx)
{
	const struct actor *a = ctx->actor;

	return a != NULL && a->scopes == NULL && a->second_factor &&
	       ctx->now - a->second_factor_at > SECOND_FACTOR_FRESH_SECONDS;
}

/* The key the secrets are sealed with: [auth] totp_key, else the database's (made at the first need). */
static tr_err
sealing_key(struct ctx *ctx, unsigned char key[SEC_KEY_BYTES])
{
	struct db_rows *r;
	unsigned char fresh[SEC_KEY_BYTES];
	char hex[2 * SEC_KEY_BYTES + 1];
	tr_err err;

	if (ctx->cfg->totp_key[0] != '\0')
		return sec_hex_decode(ctx->cfg->totp_key, key, SEC_KEY_BYTES) ? TR_OK : TR_INTERNAL;
	sec_random_bytes(fresh, sizeof(fresh));
	sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
	sodium_memzero(fresh, sizeof(fresh));
	err = db_execv(ctx->db, "INSERT INTO settings (key, value) VALUES ('totp_key', ?) ON CONFLICT (key) DO NOTHING",
	    NULL, DB_TEXT(hex));
	if (err == TR_OK)
		err = db_onev(ctx->db, ctx->arena, "SELECT value FROM settings WHERE key = 'totp_key'", &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	return sec_hex_decode(db_text(db_cell(r, 0, 0)), key, SEC_KEY_BYTES) ? TR_OK : TR_INTERNAL;
}

/* The actor's row: its sealed secret opened into SECRET (*N bytes), whether confirmed, its last step. */
struct factor_row {
	bool exists, confirmed;
	unsigned char secret[64];
	size_t n;
	int64_t last_step;
};

static tr_err
factor_load(struct ctx *ctx, int64_t person_id, struct factor_row *f)
{
	unsigned char key[SEC_KEY_BYTES];
	struct db_rows *r;
	tr_err err;

	memset(f, 0, sizeof(*f));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT secret_box, confirmed_at, last_step FROM second_factors WHERE person_id = ?", &r,
	    DB_I64(person_id));
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = sealing_key(ctx, key)) != TR_OK)
		return err;
	if (!sec_unseal(key, db_text(db_cell(r, 0, 0)), f->secret, sizeof(f->secret), &f->n)) {
		sodium_memzero(key, sizeof(key));
		return ctx_fail(ctx, TR_INTERNAL,
		    "Le secret de double authentification ne peut pas être lu (la clé [auth] totp_key a-t-elle changé "
		    "?).");
	}
	sodium_memzero(key, sizeof(key));
	f->exists = true;
	f->confirmed = !db_isnull(db_cell(r, 0, 1));
	f->last_step = db_int(db_cell(r, 0, 2));
	return TR_OK;
}

static tr_err
factor_store(struct ctx *ctx, int64_t person_id, const void *secret, size_t n, bool confirmed)
{
	unsigned char key[SEC_KEY_BYTES];
	const char *sealed;
	tr_err err;

	if ((err = sealing_key(ctx, key)) != TR_OK)
		return err;
	sealed = sec_seal(ctx->arena, key, secret, n);
	sodium_memzero(key, sizeof(key));
	err = db_execv(ctx->db,
	    "INSERT INTO second_factors (person_id, secret_box, confirmed_at, created_at, last_step) VALUES (?, ?, ?, "
	    "?, 0) "
	    "ON CONFLICT (person_id) DO UPDATE SET secret_box = excluded.secret_box, confirmed_at = "
	    "excluded.confirmed_at, "
	    "created_at = excluded.created_at, last_step = 0",
	    NULL, DB_I64(person_id), DB_TEXT(sealed), confirmed ? DB_I64(ctx->now) : DB_NULLV, DB_I64(ctx->now));
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
second_factor_set(struct ctx *ctx, int64_t person_id, const void *secret, size_t n)
{
	return factor_store(ctx, person_id, secret, n, true);
}

tr_err
second_factor_enrolment(struct ctx *ctx, struct second_factor_enrolment *out)
{
	struct factor_row f;
	struct db_rows *r;
	tr_err err;

	memset(out, 0, sizeof(*out));
	TRY(authz_require(ctx, ~0u));
	TRY(factor_load(ctx, ctx->actor->person_id, &f));
	if (f.confirmed) {
		out->enrolled = true;
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM recovery_codes WHERE person_id = ? AND used_at IS NULL", &r,
		    DB_I64(ctx->actor->person_id));
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		out->recovery_left = db_int(db_cell(r, 0, 0));
		return TR_OK;
	}
	if (!f.exists) {
		f.n = TOTP_SECRET_BYTES;
		sec_random_bytes(f.secret, f.n);
		TRY(factor_store(ctx, ctx->actor->person_id, f.secret, f.n, false));
	}
	out->secret = totp_base32(ctx->arena, f.secret, f.n);
	sodium_memzero(f.secret, sizeof(f.secret));
	out->uri = arena_printf(ctx->arena, "otpauth://totp/tremplin:%s?secret=%s&issuer=tremplin&digits=6&period=30",
	    url_encode(ctx->arena, ctx->actor->email), out->secret);
	out->qr_svg = totp_qr_svg(ctx->arena, out->uri, "Code QR à scanner avec votre application d'authentification");
	return TR_OK;
out:
	return err;
}

/* Makes RECOVERY_CODES new codes for PERSON_ID (the old ones removed) inside the caller's transaction. */
static tr_err
codes_renew(struct ctx *ctx, int64_t person_id, const char *const **codes)
{
	const char **list = arena_alloc(ctx->arena, RECOVERY_CODES * sizeof(*list));
	char hash[SEC_SHA256_HEX];
	tr_err err;

	if ((err = db_execv(ctx->db, "DELETE FROM recovery_codes WHERE person_id = ?", NULL, DB_I64(person_id))) !=
	    TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < RECOVERY_CODES; i++) {
		char raw[RECOVERY_LEN + 1], *shown;
		for (size_t k = 0; k < RECOVERY_LEN; k++)
			raw[k] = RECOVERY_ALPHABET[randombytes_uniform(sizeof(RECOVERY_ALPHABET) - 1)];
		raw[RECOVERY_LEN] = '\0';
		sec_sha256_hex(raw, RECOVERY_LEN, hash);
		shown = arena_printf(ctx->arena, "%.5s-%s", raw, raw + 5);
		list[i] = shown;
		if ((err = db_execv(ctx->db, "INSERT INTO recovery_codes (person_id, code_hash) VALUES (?, ?)", NULL,
		         DB_I64(person_id), DB_TEXT(hash))) != TR_OK)
			return ctx_storage_error(ctx, err);
	}
	*codes = list;
	return TR_OK;
}

/* Marks the session of TOKEN (may be NULL) as checked now. */
static tr_err
session_checked(struct ctx *ctx, const char *token)
{
	char hash[SEC_SHA256_HEX];

	if (token == NULL)
		return TR_OK;
	sec_sha256_hex(token, strlen(token), hash);
	return db_execv(ctx->db, "UPDATE sessions SET second_factor_at = ? WHERE id_hash = ? AND person_id = ?", NULL,
	    DB_I64(ctx->now), DB_TEXT(hash), DB_I64(ctx->actor->person_id));
}

/* The throttle keys of the actor's codes, by the rules of the passwords but counted apart from them: per account,
 * and per address ("code-ip:", so that wrong codes never slow down other people's password sign-ins). */
static tr_err
code_throttle(struct ctx *ctx, const char **acct_key, const char **ip_key)
{
	int64_t wait_acct = 0, wait_ip = 0;
	tr_err err;

	*acct_key = arena_printf(ctx->arena, "code:%lld", (long long)ctx->actor->person_id);
	*ip_key = throttle_address_key(ctx, "code-ip:");
	if ((err = throttle_wait(ctx, *acct_key, &throttle_signin_account, &wait_acct)) != TR_OK ||
	    (err = throttle_wait(ctx, *ip_key, &throttle_signin_address, &wait_ip)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (wait_acct > 0 || wait_ip > 0) {
		ctx->retry_after = wait_acct > wait_ip ? wait_acct : wait_ip;
		return ctx_fail(ctx, TR_RATE_LIMITED,
		    arena_printf(ctx->arena,
		        "Plusieurs codes erronés ont été saisis : patientez %lld secondes avant de réessayer.",
		        (long long)ctx->retry_after));
	}
	return TR_OK;
}

/* Counts a wrong code and answers TR_INVALID on "code". */
static tr_err
code_wrong(struct ctx *ctx, const char *acct_key, const char *ip_key, const char *message)
{
	tr_err err;

	TRY(tx_begin(ctx));
	TRY(throttle_note(ctx, acct_key));
	TRY(throttle_note(ctx, ip_key));
	err = tx_end(ctx, TR_OK);
	if (err != TR_OK)
		return err;
	field_errors_add(&ctx->errors, "code", message);
	return TR_INVALID;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
second_factor_confirm(struct ctx *ctx, const char *session_token, const char *code, const char *const **codes)
{
	const char *acct_key, *ip_key;
	struct factor_row f;
	int64_t step = 0;
	bool ok;
	tr_err err;

	TRY(authz_require(ctx, ~0u));
	if (code == NULL || *code == '\0') {
		field_errors_add(&ctx->errors, "code", "Saisissez le code à 6 chiffres affiché par votre application.");
		return TR_INVALID;
	}
	TRY(code_throttle(ctx, &acct_key, &ip_key));
	TRY(factor_load(ctx, ctx->actor->person_id, &f));
	if (f.confirmed)
		return ctx_fail(ctx, TR_CONFLICT, "La double authentification est déjà activée sur votre compte.");
	if (!f.exists)
		return ctx_fail(ctx, TR_CONFLICT, "Rechargez la page d'activation : aucun secret n'est en attente.");
	ok = totp_check(f.secret, f.n, ctx->now, code, &step);
	sodium_memzero(f.secret, sizeof(f.secret));
	if (!ok)
		return code_wrong(ctx, acct_key, ip_key,
		    "Code incorrect : saisissez les 6 chiffres affichés en ce moment par votre application.");
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db, "UPDATE second_factors SET confirmed_at = ?, last_step = ? WHERE person_id = ?", NULL,
	    DB_I64(ctx->now), DB_I64(step), DB_I64(ctx->actor->person_id)));
	TRY(codes_renew(ctx, ctx->actor->person_id, codes));
	TRY(session_checked(ctx, session_token));
	TRY(db_execv(ctx->db, "DELETE FROM login_failures WHERE key = ?", NULL, DB_TEXT(acct_key)));
	TRY(journal_append(ctx, "person", ctx->actor->person_id, "second_factor_on", NULL));
out:
	return db_in_tx(ctx->db) ? tx_end(ctx, ctx_storage_error(ctx, err)) : err;
}

/* "abcde-fghjk", "ABCDE FGHJK" → "abcdefghjk" in OUT; false when it is not the shape of a recovery code. */
static bool
recovery_normalise(const char *code, char out[RECOVERY_LEN + 1])
{
	size_t k = 0;

	for (const char *p = code; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
		if (c == '-' || c == ' ')
			continue;
		if (k == RECOVERY_LEN || strchr(RECOVERY_ALPHABET, c) == NULL)
			return false;
		out[k++] = c;
	}
	out[k] = '\0';
	return k == RECOVERY_LEN;
}

tr_err
second_factor_verify(struct ctx *ctx, const char *session_token, const char *code)
{
	const char *acct_key, *ip_key;
	char norm[RECOVERY_LEN + 1], hash[SEC_SHA256_HEX];
	struct factor_row f;
	int64_t step = 0, n = 0;
	bool ok;
	tr_err err;

	TRY(authz_require(ctx, ~0u));
	if (code == NULL || *code == '\0') {
		field_errors_add(&ctx->errors, "code",
		    "Saisissez le code à 6 chiffres de votre application, ou un code de secours.");
		return TR_INVALID;
	}
	TRY(code_throttle(ctx, &acct_key, &ip_key));
	TRY(factor_load(ctx, ctx->actor->person_id, &f));
	if (!f.confirmed)
		return ctx_fail(ctx, TR_CONFLICT, "Activez d'abord la double authentification sur votre compte.");
	if (recovery_normalise(code, norm)) {
		sodium_memzero(f.secret, sizeof(f.secret));
		sec_sha256_hex(norm, RECOVERY_LEN, hash);
		TRY(tx_begin(ctx));
		TRY(db_execv(ctx->db,
		    "UPDATE recovery_codes SET used_at = ? WHERE person_id = ? AND code_hash = ? AND used_at IS NULL",
		    &n, DB_I64(ctx->now), DB_I64(ctx->actor->person_id), DB_TEXT(hash)));
		if (n != 1) {
			err = tx_end(ctx, TR_OK);
			if (err != TR_OK)
				return err;
			return code_wrong(ctx, acct_key, ip_key, "Ce code de secours est incorrect ou a déjà servi.");
		}
		TRY(journal_append(ctx, "person", ctx->actor->person_id, "recovery_code_used", NULL));
	} else {
		ok = totp_check(f.secret, f.n, ctx->now, code, &step) && step > f.last_step;
		sodium_memzero(f.secret, sizeof(f.secret));
		if (!ok)
			return code_wrong(ctx, acct_key, ip_key,
			    "Code incorrect ou déjà utilisé : saisissez le code affiché en ce moment par votre "
			    "application.");
		TRY(tx_begin(ctx));
		/* The step guard again inside the transaction: two requests with one code, one wins. */
		TRY(db_execv(ctx->db, "UPDATE second_factors SET last_step = ? WHERE person_id = ? AND last_step < ?",
		    &n, DB_I64(step), DB_I64(ctx->actor->person_id), DB_I64(step)));
		if (n != 1) {
			err = tx_end(ctx, TR_OK);
			if (err != TR_OK)
				return err;
			return code_wrong(ctx, acct_key, ip_key,
			    "Code incorrect ou déjà utilisé : saisissez le code affiché en ce moment par votre "
			    "application.");
		}
	}
	TRY(session_checked(ctx, session_token));
	TRY(db_execv(ctx->db, "DELETE FROM login_failures WHERE key = ?", NULL, DB_TEXT(acct_key)));
out:
	return db_in_tx(ctx->db) ? tx_end(ctx, ctx_storage_error(ctx, err)) : err;
}

tr_err
second_factor_new_codes(struct ctx *ctx, const char *const **codes)
{
	struct factor_row f;
	tr_err err;

	TRY(authz_require(ctx, ~0u));
	TRY(factor_load(ctx, ctx->actor->person_id, &f));
	sodium_memzero(f.secret, sizeof(f.secret));
	if (!f.confirmed)
		return ctx_fail(ctx, TR_CONFLICT, "Activez d'abord la double authentification sur votre compte.");
	TRY(tx_begin(ctx));
	TRY(codes_renew(ctx, ctx->actor->person_id, codes));
	TRY(journal_append(ctx, "person", ctx->actor->person_id, "recovery_codes_renewed", NULL));
out:
	return db_in_tx(ctx->db) ? tx_end(ctx, ctx_storage_error(ctx, err)) : err;
}

tr_err
second_factor_remove(struct ctx *ctx)
{
	tr_err err;

	TRY(authz_require(ctx, ~0u));
	if (second_factor_required(ctx, ctx->actor))
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Votre rôle exige la double authentification : elle ne peut pas être désactivée.");
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db, "DELETE FROM recovery_codes WHERE person_id = ?", NULL, DB_I64(ctx->actor->person_id)));
	TRY(db_execv(ctx->db, "DELETE FROM second_factors WHERE person_id = ?", NULL, DB_I64(ctx->actor->person_id)));
	TRY(journal_append(ctx, "person", ctx->actor->person_id, "second_factor_off", NULL));
out:
	return db_in_tx(ctx->db) ? tx_end(ctx, ctx_storage_error(ctx, err)) : err;
}

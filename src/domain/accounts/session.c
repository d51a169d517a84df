/* Sessions, API tokens and sign-in throttling. */
#include "domain/accounts/session.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/accounts/account.h"
#include "domain/accounts/second_factor.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "model/accounts/token_scope.h"

#define SESSION_TOUCH_SECONDS 300
#define TOKEN_PREFIX "trp_"

static const char *
hash_of(struct arena *a, const char *token)
{
	char *h = arena_alloc(a, SEC_SHA256_HEX);

	sec_sha256_hex(token, strlen(token), h);
	return h;
}

tr_err
actor_load(struct ctx *ctx, int64_t person_id, struct actor **out)
{
	struct db_rows *p, *m;
	struct actor *act;
	tr_err err;

	err = db_onev(ctx->db, ctx->arena, "SELECT id, email, name FROM people WHERE id = ? AND active = 1", &p,
	    DB_I64(person_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_UNAUTHORIZED, "Ce compte n'existe pas ou a été désactivé.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	/* One row per membership and region (one with a NULL region when it has none), in membership order. */
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT m.id, m.role, COALESCE(m.organisation_id, 0), mr.region_code FROM memberships m LEFT JOIN "
	    "membership_regions mr ON mr.membership_id = m.id WHERE m.person_id = ? ORDER BY m.id, mr.region_code",
	    &m, DB_I64(person_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	act = arena_alloc(ctx->arena, sizeof(*act));
	act->person_id = person_id;
	act->email = db_text(db_cell(p, 0, 1));
	act->name = db_text(db_cell(p, 0, 2));
	for (size_t i = 0; i < m->nrows;) {
		const struct db_val *code = db_cell(m, i, 1);
		int64_t mid = db_int(db_cell(m, i, 0));
		enum role r = role_from_code(code->s.p, code->s.n);
		size_t k = i, n = 0;
		const char **regions;
		while (k < m->nrows && db_int(db_cell(m, k, 0)) == mid)
			k++;
		if (r != ROLE_NONE && act->nroles < ACTOR_ROLES_MAX) {
			regions = arena_alloc(ctx->arena, (k - i) * sizeof(*regions));
			for (size_t j = i; j < k; j++)
				if (!db_isnull(db_cell(m, j, 3)))
					regions[n++] = db_text(db_cell(m, j, 3));
			act->roles[act->nroles].role = r;
			act->roles[act->nroles].org_id = db_int(db_cell(m, i, 2));
			act->roles[act->nroles].regions = regions;
			act->roles[act->nroles].nregions = n;
			act->role_mask |= ROLE_BIT(r);
			act->nroles++;
		}
		i = k;
	}
	*out = act;
	return TR_OK;
}

const struct throttle_rule throttle_signin_account = { 15 * 60, 5, 5, 60 };
const struct throttle_rule throttle_signin_address = { 15 * 60, 30, 5, 15 * 60 };

tr_err
throttle_wait(struct ctx *ctx, const char *key, const struct throttle_rule *rule, int64_t *wait)
{
	struct db_rows *r;
	int64_t n, w = 0;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT COUNT(*), COALESCE(MIN(at), 0), COALESCE(MAX(at), 0) FROM login_failures WHERE key = ? AND at > ?",
	    &r, DB_TEXT(key), DB_I64(ctx->now - rule->window));

	if (err != TR_OK)
		return err;
	n = db_int(db_cell(r, 0, 0));
	if (n >= rule->free && rule->cap == 0) {
		w = db_int(db_cell(r, 0, 1)) + rule->window - ctx->now + 1;
	} else if (n >= rule->free) {
		int64_t k = n - rule->free;
		int64_t delay = k >= 30 ? rule->cap : rule->step << k;
		w = (delay < rule->cap ? delay : rule->cap) - (ctx->now - db_int(db_cell(r, 0, 2)));
	}
	*wait = w > 0 ? w : 0;
	return TR_OK;
}

tr_err
throttle_note(struct ctx *ctx, const char *key)
{
	return db_execv(
	    ctx->db, "INSERT INTO login_failures (key, at) VALUES (?, ?)", NULL, DB_TEXT(key), DB_I64(ctx->now));
}

const char *
throttle_address_key(struct ctx *ctx, const char *prefix)
{
	const char *ip = ctx->ip ? ctx->ip : "";
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	if (strchr(ip, ':') != NULL && inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, text, sizeof(text)) != NULL)
			return arena_printf(ctx->arena, "%s%s/64", prefix, text);
	}
	return arena_printf(ctx->arena, "%s%s", prefix, ip);
}

/* "N secondes" / "N minutes", for the wait messages. */
static const char *
wait_text(struct arena *a, int64_t seconds)
{
	if (seconds < 2)
		return "une seconde";
	if (seconds < 120)
		return arena_printf(a, "%lld secondes", (long long)seconds);
	return arena_printf(a, "%lld minutes", (long long)((seconds + 59) / 60));
}

int64_t
session_cookie_seconds(const struct ctx *ctx)
{
	int64_t idle = ctx->cfg->session_hours * 3600, max = ctx->cfg->session_max_hours * 3600;

	return idle < max ? idle : max;
}

tr_err
session_open(struct ctx *ctx, int64_t person_id, const char *user_agent, struct session_new *out)
{
	tr_err err;

	out->device = NULL;
	out->second_factor_due = false;
	out->token = sec_random_token(ctx->arena, 32);
	out->csrf = sec_random_token(ctx->arena, 32);
	out->expires_at = ctx->now + session_cookie_seconds(ctx);
	err = db_execv(ctx->db,
	    "INSERT INTO sessions (id_hash, person_id, csrf, created_at, expires_at, last_seen_at, ip, user_agent) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    NULL, DB_TEXT(hash_of(ctx->arena, out->token)), DB_I64(person_id), DB_TEXT(out->csrf), DB_I64(ctx->now),
	    DB_I64(out->expires_at), DB_I64(ctx->now), DB_TEXT(ctx->ip ? ctx->ip : ""),
	    DB_TEXT(user_agent ? user_agent : ""));
	if (err == TR_OK)
		err = db_execv(ctx->db, "UPDATE people SET last_login_at = ? WHERE id = ?", NULL, DB_I64(ctx->now),
		    DB_I64(person_id));
	return err;
}

/* The hash of DEVICE when it is a browser that signed in to the account of email LOW, else NULL. */
static tr_err
known_device(struct ctx *ctx, const char *low, const char *device, const char **hash)
{
	struct db_rows *r;
	tr_err err;

	*hash = NULL;
	if (device == NULL || strlen(device) < 32 || strlen(device) > 64)
		return TR_OK;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT d.token_hash FROM login_devices d JOIN people p ON p.id = d.person_id WHERE d.token_hash = ? AND "
	    "p.email = ?",
	    &r, DB_TEXT(hash_of(ctx->arena, device)), DB_TEXT(low));
	if (err == TR_OK)
		*hash = db_text(db_cell(r, 0, 0));
	return err == TR_NOT_FOUND ? TR_OK : err;
}

tr_err
session_login(struct ctx *ctx, const char *email, const char *password, const char *user_agent, const char *device,
    struct session_new *out)
{
	const char *acct_key, *ip_key, *device_hash;
	struct db_rows *r = NULL;
	int64_t wait_acct = 0, wait_ip = 0, person_id;
	char *low;
	bool ok = false;
	tr_err err;

	low = arena_strdup(ctx->arena, email ? email : "");
	for (char *c = low; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	if (*low == '\0')
		field_errors_add(&ctx->errors, "email", "Saisissez votre adresse électronique.");
	if (password == NULL || *password == '\0')
		field_errors_add(&ctx->errors, "password", "Saisissez votre mot de passe.");
	if (ctx->errors.n > 0)
		return TR_INVALID;

	out->device = NULL;
	if ((err = known_device(ctx, low, device, &device_hash)) != TR_OK)
		return ctx_storage_error(ctx, err);
	/* A browser that signed in to this account before waits for its own failures only. */
	acct_key = device_hash ? arena_printf(ctx->arena, "device:%s", device_hash)
	                       : arena_printf(ctx->arena, "email:%s", low);
	ip_key = throttle_address_key(ctx, "ip:");
	if ((err = throttle_wait(ctx, acct_key, &throttle_signin_account, &wait_acct)) != TR_OK ||
	    (err = throttle_wait(ctx, ip_key, &throttle_signin_address, &wait_ip)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (wait_acct > 0 || wait_ip > 0) {
		/* Refused before the password is read: an attempt made during the wait neither counts nor tells. */
		ctx->retry_after = wait_acct > wait_ip ? wait_acct : wait_ip;
		return ctx_fail(ctx, TR_RATE_LIMITED,
		    arena_printf(ctx->arena,
		        "Plusieurs tentatives de connexion ont échoué : patientez %s avant de réessayer. Votre compte "
		        "n'est pas bloqué : passé ce délai, votre mot de passe sera accepté. En cas d'oubli, "
		        "réinitialisez-le.",
		        wait_text(ctx->arena, ctx->retry_after)));
	}

	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, password_hash, confirmed_at, name FROM people WHERE email = ? AND active = 1", &r,
	    DB_TEXT(low));
	if (err != TR_OK && err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	if (err == TR_OK && !db_isnull(db_cell(r, 0, 1)))
		ok = sec_password_verify(db_text(db_cell(r, 0, 1)), password, strlen(password));
	else
		sec_password_dummy_verify(password, strlen(password));
	if (ok && db_isnull(db_cell(r, 0, 2))) {
		/* The right password of an account not confirmed yet: the same answer and count as a wrong one (a
		 * registration must not tell whether the address had an account), and a new link by email. */
		if ((err = account_resend_confirmation(
		         ctx, db_int(db_cell(r, 0, 0)), low, db_text(db_cell(r, 0, 3)))) != TR_OK)
			return err;
		ok = false;
	}

	TRY(tx_begin(ctx));
	if (!ok) {
		TRY(throttle_note(ctx, acct_key));
		TRY(throttle_note(ctx, ip_key));
		err = tx_end(ctx, TR_OK);
		if (err != TR_OK)
			return err;
		field_errors_add(&ctx->errors, "email", "Adresse électronique ou mot de passe incorrect.");
		return TR_INVALID;
	}
	person_id = db_int(db_cell(r, 0, 0));
	TRY(session_open(ctx, person_id, user_agent, out));
	{
		/* Partial until the second step: a person with a second factor, or one whose roles require it. */
		struct db_rows *f;
		struct actor *who;
		TRY(actor_load(ctx, person_id, &who));
		TRY(db_onev(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM second_factors WHERE person_id = ? AND confirmed_at IS NOT NULL", &f,
		    DB_I64(person_id)));
		out->second_factor_due = db_int(db_cell(f, 0, 0)) > 0 || second_factor_required(ctx, who);
	}
	TRY(db_execv(ctx->db, "DELETE FROM login_failures WHERE key = ? OR key = ?", NULL, DB_TEXT(acct_key),
	    DB_TEXT(arena_printf(ctx->arena, "email:%s", low))));
	if (device_hash == NULL) {
		out->device = sec_random_token(ctx->arena, 32);
		TRY(db_execv(ctx->db, "INSERT INTO login_devices (token_hash, person_id, created_at) VALUES (?, ?, ?)",
		    NULL, DB_TEXT(hash_of(ctx->arena, out->device)), DB_I64(person_id), DB_I64(ctx->now)));
	} else {
		TRY(db_execv(ctx->db, "UPDATE login_devices SET created_at = ? WHERE token_hash = ?", NULL,
		    DB_I64(ctx->now), DB_TEXT(device_hash)));
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
session_resolve(struct ctx *ctx, const char *token, struct actor **out)
{
	struct db_rows *r;
	const char *h;
	tr_err err;

	if (token == NULL || *token == '\0' || strlen(token) > 128)
		return TR_UNAUTHORIZED;
	h = hash_of(ctx->arena, token);
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT s.person_id, s.csrf, s.last_seen_at, s.created_at, s.second_factor_at, CASE WHEN f.confirmed_at IS "
	    "NULL THEN 0 ELSE 1 END FROM sessions s LEFT JOIN second_factors f ON f.person_id = s.person_id WHERE "
	    "s.id_hash = ? AND s.expires_at > ? AND s.created_at > ?",
	    &r, DB_TEXT(h), DB_I64(ctx->now), DB_I64(ctx->now - ctx->cfg->session_max_hours * 3600));
	if (err == TR_NOT_FOUND)
		return TR_UNAUTHORIZED;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = actor_load(ctx, db_int(db_cell(r, 0, 0)), out)) != TR_OK)
		return err;
	(*out)->csrf = db_text(db_cell(r, 0, 1));
	(*out)->second_factor_at = db_int(db_cell(r, 0, 4));
	(*out)->second_factor = db_int(db_cell(r, 0, 5)) != 0;
	/* Partial until the second step: a person who has a second factor, or whose roles require one. */
	(*out)->second_factor_due =
	    (*out)->second_factor_at == 0 && ((*out)->second_factor || second_factor_required(ctx, *out));
	if (ctx->now - db_int(db_cell(r, 0, 2)) > SESSION_TOUCH_SECONDS) {
		/* Sliding expiry, never past the absolute lifetime; a failure here must not refuse the request. */
		int64_t idle = ctx->now + ctx->cfg->session_hours * 3600;
		int64_t max = db_int(db_cell(r, 0, 3)) + ctx->cfg->session_max_hours * 3600;
		if (db_execv(ctx->db, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?", NULL,
		        DB_I64(ctx->now), DB_I64(idle < max ? idle : max), DB_TEXT(h)) != TR_OK)
			log_warn("session: could not extend a session: %s", db_errmsg(ctx->db));
	}
	return TR_OK;
}

tr_err
session_logout(struct ctx *ctx, const char *token)
{
	tr_err err;

	if (token == NULL || *token == '\0')
		return TR_OK;
	err = db_execv(ctx->db, "DELETE FROM sessions WHERE id_hash = ?", NULL, DB_TEXT(hash_of(ctx->arena, token)));
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

/* The person whose tokens the actor manages: their own, or anyone's for an admin. */
static tr_err
token_owner(struct ctx *ctx, int64_t person_id, int64_t *owner)
{
	tr_err err = authz_require(ctx, ~0u);

	if (err != TR_OK)
		return err;
	if (person_id == 0 || person_id == ctx->actor->person_id) {
		*owner = ctx->actor->person_id;
		return TR_OK;
	}
	if (!actor_has(ctx->actor, ROLE_ADMIN))
		return ctx_fail(ctx, TR_FORBIDDEN, "Vous ne pouvez gérer que vos propres jetons.");
	*owner = person_id;
	return TR_OK;
}

/* Checks the scopes (space-separated; NULL: "*") and the expiry date (NULL or "": 90 days) of a new token; its
 * expiry moment into *EXPIRES (the end of that day, UTC). */
static tr_err
token_spec_check(struct ctx *ctx, const char *scopes, const char *expires_on, int64_t *expires)
{
	int y, m, d;
	int64_t day, today = ctx->now / 86400;

	if (scopes != NULL) {
		bool any = false;
		for (const char *p = scopes + strspn(scopes, " "); *p;) {
			size_t n = strcspn(p, " ");
			if (!token_scope_valid(p, n)) {
				field_errors_add(&ctx->errors, "scopes",
				    arena_printf(ctx->arena,
				        "« Portée » : « %.*s » n'est pas une portée connue (« * », ou un domaine suivi "
				        "de "
				        "« :read » ou « :write », par exemple « dossiers:read »).",
				        (int)(n > 60 ? 60 : n), p));
				return TR_INVALID;
			}
			any = true;
			p += n;
			p += strspn(p, " ");
		}
		if (!any || strlen(scopes) > 1000) {
			field_errors_add(
			    &ctx->errors, "scopes", "« Portée » : choisissez au moins un domaine et son accès.");
			return TR_INVALID;
		}
	}
	if (expires_on == NULL || *expires_on == '\0') {
		*expires = (today + 91) * 86400;
		return TR_OK;
	}
	if (!date_parse(expires_on, strlen(expires_on), &y, &m, &d)) {
		field_errors_add(&ctx->errors, "expires_on", "« Date d'expiration » : attendu une date AAAA-MM-JJ.");
		return TR_INVALID;
	}
	day = date_days(y, m, d);
	if (day <= today || day > today + 366) {
		field_errors_add(&ctx->errors, "expires_on",
		    "« Date d'expiration » : choisissez une date après aujourd'hui et dans un an au plus.");
		return TR_INVALID;
	}
	*expires = (day + 1) * 86400;
	return TR_OK;
}

tr_err
apitoken_create(struct ctx *ctx, int64_t person_id, const char *name, const char **raw, int64_t *id)
{
	return apitoken_create_scoped(ctx, person_id, name, NULL, NULL, raw, id);
}

tr_err
apitoken_create_scoped(struct ctx *ctx, int64_t person_id, const char *name, const char *scopes, const char *expires_on,
    const char **raw, int64_t *id)
{
	struct db_rows *r;
	int64_t owner, expires = 0;
	const char *token;
	json_t *detail;
	tr_err err;

	if ((err = token_owner(ctx, person_id, &owner)) != TR_OK)
		return err;
	/* A token makes tokens only with the owner's whole reach ("*"): a narrower one would hand out more. */
	if (ctx->actor->scopes != NULL && strcmp(ctx->actor->scopes, "*") != 0)
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Un jeton d'accès limité à certains domaines ne peut pas créer d'autres jetons : créez-les depuis "
		    "« Mon compte ».");
	if (name == NULL || *name == '\0' || strlen(name) > 100) {
		field_errors_add(
		    &ctx->errors, "name", "« Nom du jeton » est obligatoire et ne doit pas dépasser 100 caractères.");
		return TR_INVALID;
	}
	if ((err = token_spec_check(ctx, scopes, expires_on, &expires)) != TR_OK)
		return err;
	if (scopes == NULL)
		scopes = "*";
	scopes = arena_strdup(ctx->arena, scopes + strspn(scopes, " "));
	token = arena_printf(ctx->arena, TOKEN_PREFIX "%s", sec_random_token(ctx->arena, 32));
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO api_tokens (person_id, name, token_hash, prefix, created_at, scopes, expires_at) VALUES (?, "
	    "?, ?, "
	    "?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(owner), DB_TEXT(name), DB_TEXT(hash_of(ctx->arena, token)), DB_STR(((struct str){ token, 10 })),
	    DB_I64(ctx->now), DB_TEXT(scopes), DB_I64(expires)));
	*id = db_int(db_cell(r, 0, 0));
	detail = json_pack("{s:s, s:I, s:s, s:I}", "name", name, "person_id", (json_int_t)owner, "scopes", scopes,
	    "expires_at", (json_int_t)expires);
	err = journal_append(ctx, "api_token", *id, "create", detail);
	json_decref(detail);
	*raw = token;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
apitoken_resolve(struct ctx *ctx, const char *raw, struct actor **out)
{
	struct db_rows *r;
	tr_err err;

	if (raw == NULL || strncmp(raw, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 || strlen(raw) > 128)
		return TR_UNAUTHORIZED;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, person_id, last_used_at, scopes, expires_at FROM api_tokens WHERE token_hash = ? AND "
	    "revoked_at "
	    "IS NULL",
	    &r, DB_TEXT(hash_of(ctx->arena, raw)));
	if (err == TR_NOT_FOUND)
		return TR_UNAUTHORIZED;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (!db_isnull(db_cell(r, 0, 4)) && db_int(db_cell(r, 0, 4)) <= ctx->now)
		return ctx_fail(ctx, TR_UNAUTHORIZED,
		    arena_printf(ctx->arena,
		        "Ce jeton d'accès a expiré le %s : créez-en un nouveau depuis « Mon compte ».",
		        date_fr(ctx->arena, db_int(db_cell(r, 0, 4)) - 1)));
	if ((err = actor_load(ctx, db_int(db_cell(r, 0, 1)), out)) != TR_OK)
		return err;
	(*out)->scopes = db_text(db_cell(r, 0, 3));
	if (ctx->now - db_int(db_cell(r, 0, 2)) > SESSION_TOUCH_SECONDS &&
	    db_execv(ctx->db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", NULL, DB_I64(ctx->now),
	        DB_I64(db_int(db_cell(r, 0, 0)))) != TR_OK)
		log_warn("token: could not record its use: %s", db_errmsg(ctx->db));
	return TR_OK;
}

tr_err
apitoken_list(struct ctx *ctx, int64_t person_id, json_t **out)
{
	struct db_rows *r;
	int64_t owner;
	tr_err err;

	if ((err = token_owner(ctx, person_id, &owner)) != TR_OK)
		return err;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT id, name, prefix, created_at, last_used_at, revoked_at, revoked_reason, scopes, expires_at FROM "
	    "api_tokens WHERE "
	    "person_id = ? ORDER "
	    "BY id DESC",
	    &r, DB_I64(owner));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
apitoken_revoke(struct ctx *ctx, int64_t token_id)
{
	struct db_rows *r;
	int64_t owner;
	tr_err err;

	TRY(authz_require(ctx, ~0u));
	err = db_onev(ctx->db, ctx->arena, "SELECT person_id FROM api_tokens WHERE id = ? AND revoked_at IS NULL", &r,
	    DB_I64(token_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce jeton n'existe pas ou a déjà été révoqué.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(token_owner(ctx, db_int(db_cell(r, 0, 0)), &owner));
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE api_tokens SET revoked_at = ?, revoked_reason = 'manual' WHERE id = ? AND revoked_at IS NULL", NULL,
	    DB_I64(ctx->now), DB_I64(token_id)));
	TRY(journal_append(ctx, "api_token", token_id, "revoke", NULL));
	return tx_end(ctx, TR_OK);
out:
	if (db_in_tx(ctx->db))
		return tx_end(ctx, ctx_storage_error(ctx, err));
	return err;
}

tr_err
apitoken_revoke_all(struct ctx *ctx, int64_t person_id, const char *reason, int64_t *n)
{
	return db_execv(ctx->db,
	    "UPDATE api_tokens SET revoked_at = ?, revoked_reason = ? WHERE person_id = ? AND revoked_at IS NULL", n,
	    DB_I64(ctx->now), DB_TEXT(reason), DB_I64(person_id));
}

tr_err
session_housekeeping(struct db *db, int64_t now)
{
	tr_err err = db_execv(db, "DELETE FROM sessions WHERE expires_at < ?", NULL, DB_I64(now));

	if (err == TR_OK)
		err = db_execv(db, "DELETE FROM login_failures WHERE at < ?", NULL, DB_I64(now - 86400));
	if (err == TR_OK)
		err =
		    db_execv(db, "DELETE FROM login_devices WHERE created_at < ?", NULL, DB_I64(now - DEVICE_SECONDS));
	return err;
}

tr_err
session_count_active(struct db *db, struct arena *a, int64_t now, int64_t *n)
{
	struct db_rows *r;
	tr_err err = db_onev(db, a, "SELECT COUNT(*) FROM sessions WHERE expires_at > ?", &r, DB_I64(now));

	*n = err == TR_OK ? db_int(db_cell(r, 0, 0)) : 0;
	return err;
}

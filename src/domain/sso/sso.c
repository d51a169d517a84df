/* Identities from OpenID Connect providers, linked to accounts: oidc_links, oidc_pending, person_identities. */
#include "domain/sso/sso.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/kernel/outbox.h"
#include "store/db.h"

static const char *
hash_of(struct arena *a, const char *s)
{
	char *h = arena_alloc(a, SEC_SHA256_HEX);

	sec_sha256_hex(s, strlen(s), h);
	return h;
}

static const char *
claim(json_t *claims, const char *name)
{
	const char *s = json_string_value(json_object_get(claims, name));

	return s && *s ? s : NULL;
}

/* The verified email of the identity, lower-cased, or NULL. */
static const char *
claim_email(struct ctx *ctx, json_t *claims)
{
	const char *e = claim(claims, "email");
	char *low;

	if (e == NULL || strlen(e) > 254 || strchr(e, '@') == NULL ||
	    json_is_false(json_object_get(claims, "email_verified")))
		return NULL;
	low = arena_strdup(ctx->arena, e);
	for (char *c = low; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return low;
}

/* "Given Family" from the claims (ProConnect's usual_name, FranceConnect's family_name), at most 200 bytes. */
static const char *
claim_name(struct ctx *ctx, json_t *claims, const char *email)
{
	const char *given = claim(claims, "given_name"), *family = claim(claims, "usual_name");
	const char *name;

	if (family == NULL)
		family = claim(claims, "family_name");
	if (given == NULL && family == NULL)
		return email;
	name = arena_printf(ctx->arena, "%s%s%s", given ? given : "", given && family ? " " : "", family ? family : "");
	return strlen(name) > 200 ? arena_printf(ctx->arena, "%.200s", name) : name;
}

/* Opens a session for PERSON_ID that remembers the provider and its ID token (for the sign-out there). */
static tr_err
open_session(struct ctx *ctx, int64_t person_id, const char *provider, const char *id_token, const char *user_agent,
    struct session_new *out)
{
	tr_err err = session_open(ctx, person_id, user_agent, out);

	if (err == TR_OK)
		err = db_execv(ctx->db, "UPDATE sessions SET oidc_provider = ?, oidc_id_token = ? WHERE id_hash = ?",
		    NULL, DB_TEXT(provider), DB_TEXT(id_token), DB_TEXT(hash_of(ctx->arena, out->token)));
	return err;
}

/* Writes the certified identity of PERSON_ID from FranceConnect's claims (a first time, or again: the provider is
 * the reference). */
static tr_err
store_identity(struct ctx *ctx, int64_t person_id, const char *provider, json_t *claims)
{
	const char *given = claim(claims, "given_name"), *family = claim(claims, "family_name");

	return db_execv(ctx->db,
	    "INSERT INTO person_identities (person_id, provider, given_name, family_name, birthdate, gender, "
	    "birthplace, "
	    "birthcountry, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
	    "provider = excluded.provider, given_name = excluded.given_name, family_name = excluded.family_name, "
	    "birthdate = excluded.birthdate, gender = excluded.gender, birthplace = excluded.birthplace, "
	    "birthcountry = excluded.birthcountry, verified_at = excluded.verified_at",
	    NULL, DB_I64(person_id), DB_TEXT(provider), DB_TEXT(given ? given : ""), DB_TEXT(family ? family : ""),
	    DB_TEXT(claim(claims, "birthdate")), DB_TEXT(claim(claims, "gender")), DB_TEXT(claim(claims, "birthplace")),
	    DB_TEXT(claim(claims, "birthcountry")), DB_I64(ctx->now));
}

/* Links PROVIDER/SUB to PERSON_ID and journals it (inside the caller's transaction). */
static tr_err
link_insert(struct ctx *ctx, const char *provider, const char *sub, int64_t person_id, const char *how)
{
	json_t *detail;
	tr_err err = db_execv(ctx->db,
	    "INSERT INTO oidc_links (provider, sub, person_id, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)", NULL,
	    DB_TEXT(provider), DB_TEXT(sub), DB_I64(person_id), DB_I64(ctx->now), DB_I64(ctx->now));

	if (err != TR_OK)
		return err;
	detail = json_pack("{s:s, s:s}", "provider", provider, "how", how);
	err = journal_append(ctx, "person", person_id, "oidc_link", detail);
	json_decref(detail);
	return err;
}

static bool
is_candidate_only(struct ctx *ctx, int64_t person_id, bool *candidate)
{
	struct db_rows *r;

	*candidate = false;
	if (db_queryv(ctx->db, ctx->arena, "SELECT role FROM memberships WHERE person_id = ?", &r, DB_I64(person_id)) !=
	    TR_OK)
		return false;
	for (size_t i = 0; i < r->nrows; i++) {
		if (strcmp(db_text(db_cell(r, i, 0)), "candidate") != 0)
			return false;
		*candidate = true;
	}
	return true;
}

/* The identity is linked already: a session, or why not. */
static tr_err
signin_linked(struct ctx *ctx, const struct oidc_identity *id, int64_t person_id, bool active, const char *user_agent,
    struct sso_result *out)
{
	const char *provider = config_oidc_name(id->provider);
	struct db_rows *r;
	tr_err err;

	if (!active) {
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT state FROM oidc_pending WHERE person_id = ? AND kind = 'account' ORDER BY id DESC LIMIT 1",
		    &r, DB_I64(person_id));
		if (err == TR_OK && strcmp(db_text(db_cell(r, 0, 0)), "pending") == 0) {
			out->outcome = SSO_PENDING;
			return TR_OK;
		}
		if (err != TR_OK && err != TR_NOT_FOUND)
			return ctx_storage_error(ctx, err);
		return ctx_fail(
		    ctx, TR_FORBIDDEN, "Ce compte a été refusé ou désactivé : adressez-vous à l'administrateur.");
	}
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db, "UPDATE oidc_links SET last_used_at = ? WHERE provider = ? AND sub = ?", NULL,
	    DB_I64(ctx->now), DB_TEXT(provider), DB_TEXT(id->sub)));
	if (id->provider == OIDC_FRANCECONNECT)
		TRY(store_identity(ctx, person_id, provider, id->claims));
	TRY(open_session(ctx, person_id, provider, id->id_token, user_agent, &out->session));
	out->outcome = SSO_SIGNED_IN;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* FranceConnect, no account has the email: a candidate account, linked, with its certified identity. */
static tr_err
create_candidate(
    struct ctx *ctx, const struct oidc_identity *id, const char *email, const char *user_agent, struct sso_result *out)
{
	const char *provider = config_oidc_name(id->provider);
	struct db_rows *r;
	int64_t person_id;
	json_t *detail;
	tr_err err;

	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO people (email, name, password_hash, active, created_at, updated_at, confirmed_at) VALUES (?, "
	    "?, "
	    "NULL, 1, ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(email), DB_TEXT(claim_name(ctx, id->claims, email)), DB_I64(ctx->now), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	person_id = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db,
	    "INSERT INTO memberships (person_id, role, organisation_id, created_at) VALUES (?, 'candidate', NULL, ?)",
	    NULL, DB_I64(person_id), DB_I64(ctx->now)));
	detail = json_pack("{s:s, s:s}", "role", "candidate", "provider", provider);
	err = journal_append(ctx, "person", person_id, "register", detail);
	json_decref(detail);
	TRY(err);
	TRY(link_insert(ctx, provider, id->sub, person_id, "created"));
	TRY(store_identity(ctx, person_id, provider, id->claims));
	TRY(open_session(ctx, person_id, provider, id->id_token, user_agent, &out->session));
	out->outcome = SSO_SIGNED_IN;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ProConnect, no account has the email: an inactive account waiting for approval, matched to the organisation of
 * its SIRET when there is one; that organisation's staff (or the admins) are told. */
static tr_err
create_pending(struct ctx *ctx, const struct oidc_identity *id, const char *email, struct sso_result *out)
{
	const char *provider = config_oidc_name(id->provider), *siret = claim(id->claims, "siret"), *name;
	struct db_rows *r;
	int64_t person_id, org_id = 0, pending_id;
	char *claims_text;
	json_t *detail;
	tr_err err;

	name = claim_name(ctx, id->claims, email);
	if (siret != NULL) {
		err = db_onev(ctx->db, ctx->arena, "SELECT id FROM organisations WHERE siret = ?", &r, DB_TEXT(siret));
		if (err == TR_OK)
			org_id = db_int(db_cell(r, 0, 0));
		else if (err != TR_NOT_FOUND)
			return ctx_storage_error(ctx, err);
	}
	claims_text = json_dumps(id->claims, JSON_COMPACT | JSON_SORT_KEYS);
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO people (email, name, password_hash, active, created_at, updated_at, confirmed_at) VALUES (?, "
	    "?, "
	    "NULL, 0, ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(email), DB_TEXT(name), DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now)));
	person_id = db_int(db_cell(r, 0, 0));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO oidc_pending (kind, provider, sub, email, name, siret, claims, person_id, organisation_id, "
	    "state, "
	    "created_at) VALUES ('account', ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
	    &r, DB_TEXT(provider), DB_TEXT(id->sub), DB_TEXT(email), DB_TEXT(name), DB_TEXT(siret),
	    DB_TEXT(claims_text ? claims_text : "{}"), DB_I64(person_id), org_id ? DB_I64(org_id) : DB_NULLV,
	    DB_I64(ctx->now)));
	pending_id = db_int(db_cell(r, 0, 0));
	detail = json_pack("{s:s, s:I, s:I}", "provider", provider, "pending_id", (json_int_t)pending_id,
	    "organisation_id", (json_int_t)org_id);
	err = journal_append(ctx, "person", person_id, "oidc_pending", detail);
	json_decref(detail);
	TRY(err);
	TRY(link_insert(ctx, provider, id->sub, person_id, "pending"));
	if (org_id != 0)
		TRY(notify_org(ctx, org_id, ROLE_EMPLOYER, "Une personne demande à rejoindre votre structure",
		    notify_text(ctx,
		        arena_printf(ctx->arena,
		            "%s (%s) s'est connecté avec ProConnect au nom de votre structure et demande un compte. "
		            "Approuvez ou refusez sa demande :",
		            name, email),
		        "/comptes-en-attente")));
	out->outcome = SSO_PENDING;
out:
	free(claims_text);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* An account has the email: the link waits for its owner's password, from this browser. */
static tr_err
ask_link(struct ctx *ctx, const struct oidc_identity *id, const char *browser, const char *email, int64_t person_id,
    struct sso_result *out)
{
	json_t *saved = json_deep_copy(id->claims);
	char *text;
	tr_err err;

	json_object_set_new(saved, "_id_token", json_string(id->id_token));
	text = json_dumps(saved, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(saved);
	err = db_execv(ctx->db,
	    "INSERT INTO oidc_pending (kind, provider, sub, email, name, siret, claims, person_id, browser_hash, "
	    "state, "
	    "created_at, expires_at) VALUES ('link', ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
	    NULL, DB_TEXT(config_oidc_name(id->provider)), DB_TEXT(id->sub), DB_TEXT(email),
	    DB_TEXT(claim_name(ctx, id->claims, email)), DB_TEXT(claim(id->claims, "siret")),
	    DB_TEXT(text ? text : "{}"), DB_I64(person_id), DB_TEXT(hash_of(ctx->arena, browser)), DB_I64(ctx->now),
	    DB_I64(ctx->now + SSO_LINK_SECONDS));
	free(text);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	out->outcome = SSO_CONFIRM_LINK;
	out->email = email;
	return TR_OK;
}

tr_err
sso_signin(struct ctx *ctx, const struct oidc_identity *id, const char *browser, const char *user_agent,
    struct sso_result *out)
{
	const char *provider = config_oidc_name(id->provider), *email;
	struct db_rows *r;
	bool candidate;
	tr_err err;

	memset(out, 0, sizeof(*out));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT l.person_id, p.active FROM oidc_links l JOIN people p ON p.id = l.person_id WHERE l.provider = ? "
	    "AND "
	    "l.sub = ?",
	    &r, DB_TEXT(provider), DB_TEXT(id->sub));
	if (err == TR_OK)
		return signin_linked(ctx, id, db_int(db_cell(r, 0, 0)), db_int(db_cell(r, 0, 1)) == 1, user_agent, out);
	if (err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	if ((email = claim_email(ctx, id->claims)) == NULL)
		return ctx_fail(ctx, TR_FORBIDDEN,
		    arena_printf(ctx->arena,
		        "%s n'a pas transmis d'adresse électronique vérifiée : le compte ne peut pas être rattaché.",
		        oidc_label(id->provider)));
	out->email = email;
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM people WHERE email = ?", &r, DB_TEXT(email));
	if (err == TR_OK) {
		int64_t person_id = db_int(db_cell(r, 0, 0));
		if (id->provider == OIDC_FRANCECONNECT &&
		    (!is_candidate_only(ctx, person_id, &candidate) || !candidate))
			return ctx_fail(ctx, TR_FORBIDDEN,
			    "FranceConnect sert aux candidats : cette adresse est celle d'un compte professionnel. "
			    "Connectez-vous "
			    "avec votre mot de passe ou avec ProConnect.");
		return ask_link(ctx, id, browser, email, person_id, out);
	}
	if (err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	return id->provider == OIDC_FRANCECONNECT ? create_candidate(ctx, id, email, user_agent, out)
	                                          : create_pending(ctx, id, email, out);
}

#define LINK_SELECT                                                                                                   \
	"SELECT id, provider, sub, email, claims, person_id, name FROM oidc_pending WHERE kind = 'link' AND state = " \
	"'pending' AND expires_at > ? "

/* The live link waiting in BROWSER: id, provider, sub, email, claims, person_id, name. */
static tr_err
link_row(struct ctx *ctx, const char *browser, struct db_rows **r)
{
	if (browser == NULL || *browser == '\0' || strlen(browser) > 128)
		return TR_NOT_FOUND;
	return db_onev(ctx->db, ctx->arena, LINK_SELECT "AND browser_hash = ? ORDER BY id DESC LIMIT 1", r,
	    DB_I64(ctx->now), DB_TEXT(hash_of(ctx->arena, browser)));
}

/* The live link whose emailed token is TOKEN. */
static tr_err
link_row_by_token(struct ctx *ctx, const char *token, struct db_rows **r)
{
	if (token == NULL || *token == '\0' || strlen(token) > 128)
		return TR_NOT_FOUND;
	return db_onev(ctx->db, ctx->arena, LINK_SELECT "AND email_token_hash = ?", r, DB_I64(ctx->now),
	    DB_TEXT(hash_of(ctx->arena, token)));
}

/* The link row R as the pages show it. */
static json_t *
link_json(struct ctx *ctx, struct db_rows *r)
{
	enum config_oidc_provider p = OIDC_PROCONNECT;

	(void)oidc_provider_named(ctx->cfg, db_text(db_cell(r, 0, 1)), &p);
	return json_pack("{s:s, s:s, s:s}", "provider", db_text(db_cell(r, 0, 1)), "provider_label", oidc_label(p),
	    "email", db_text(db_cell(r, 0, 3)));
}

/* Attaches the identity of link row R to its account (HOW: "password", "email"), inside the caller's transaction,
 * and opens a session. */
static tr_err
link_finish(struct ctx *ctx, struct db_rows *r, const char *how, const char *user_agent, struct session_new *out)
{
	const char *provider = db_text(db_cell(r, 0, 1)), *id_token;
	int64_t person_id = db_int(db_cell(r, 0, 5)), changes = 0;
	enum config_oidc_provider prov = OIDC_PROCONNECT;
	json_t *claims = json_loads(db_text(db_cell(r, 0, 4)), 0, NULL), *detail;
	tr_err err;

	(void)oidc_provider_named(ctx->cfg, provider, &prov);
	id_token = json_string_value(json_object_get(claims, "_id_token"));
	id_token = id_token ? arena_strdup(ctx->arena, id_token) : NULL;
	TRY(db_execv(ctx->db,
	    "UPDATE oidc_pending SET state = 'used', decided_at = ? WHERE id = ? AND state = 'pending'", &changes,
	    DB_I64(ctx->now), DB_I64(db_int(db_cell(r, 0, 0)))));
	if (changes != 1) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce rattachement vient d'être fait.");
		goto out;
	}
	err = link_insert(ctx, provider, db_text(db_cell(r, 0, 2)), person_id, how);
	if (err == TR_CONFLICT) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette identité est déjà rattachée à un compte.");
		goto out;
	}
	TRY(err);
	if (prov == OIDC_FRANCECONNECT && json_is_object(claims))
		TRY(store_identity(ctx, person_id, provider, claims));
	TRY(open_session(ctx, person_id, provider, id_token, user_agent, out));
	detail = json_pack("{s:s, s:s}", "provider", provider, "how", how);
	err = journal_append(ctx, "person", person_id, "oidc_link_confirmed", detail);
	json_decref(detail);
out:
	json_decref(claims);
	return err;
}

tr_err
sso_link_pending(struct ctx *ctx, const char *browser, json_t **out)
{
	struct db_rows *r;
	tr_err err = link_row(ctx, browser, &r);

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Aucune liaison n'attend dans ce navigateur.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = link_json(ctx, r);
	return TR_OK;
}

tr_err
sso_link_confirm(
    struct ctx *ctx, const char *browser, const char *password, const char *user_agent, struct session_new *out)
{
	const char *email, *acct_key, *ip_key;
	struct db_rows *r, *p;
	int64_t wait_acct = 0, wait_ip = 0;
	bool ok = false;
	tr_err err = link_row(ctx, browser, &r);

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Aucune liaison n'attend dans ce navigateur, ou elle a expiré.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	email = db_text(db_cell(r, 0, 3));
	if (password == NULL || *password == '\0') {
		field_errors_add(&ctx->errors, "password", "Saisissez le mot de passe de votre compte.");
		return TR_INVALID;
	}
	acct_key = arena_printf(ctx->arena, "email:%s", email);
	ip_key = throttle_address_key(ctx, "ip:");
	if ((err = throttle_wait(ctx, acct_key, &throttle_signin_account, &wait_acct)) != TR_OK ||
	    (err = throttle_wait(ctx, ip_key, &throttle_signin_address, &wait_ip)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (wait_acct > 0 || wait_ip > 0) {
		ctx->retry_after = wait_acct > wait_ip ? wait_acct : wait_ip;
		return ctx_fail(ctx, TR_RATE_LIMITED,
		    arena_printf(ctx->arena,
		        "Plusieurs tentatives ont échoué : patientez %lld secondes avant de réessayer.",
		        (long long)ctx->retry_after));
	}
	err = db_onev(ctx->db, ctx->arena, "SELECT password_hash FROM people WHERE id = ? AND active = 1", &p,
	    DB_I64(db_int(db_cell(r, 0, 5))));
	if (err != TR_OK && err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	if (err == TR_OK && !db_isnull(db_cell(p, 0, 0)))
		ok = sec_password_verify(db_text(db_cell(p, 0, 0)), password, strlen(password));
	else
		sec_password_dummy_verify(password, strlen(password));
	TRY(tx_begin(ctx));
	if (!ok) {
		TRY(throttle_note(ctx, acct_key));
		TRY(throttle_note(ctx, ip_key));
		if ((err = tx_end(ctx, TR_OK)) != TR_OK)
			return err;
		field_errors_add(&ctx->errors, "password", "Mot de passe incorrect.");
		return TR_INVALID;
	}
	TRY(db_execv(ctx->db, "DELETE FROM login_failures WHERE key = ?", NULL, DB_TEXT(acct_key)));
	TRY(link_finish(ctx, r, "password", user_agent, out));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* Three link emails an hour for one account, then nothing (a plain quota). */
static const struct throttle_rule throttle_link_email = { 3600, 3, 0, 0 };

tr_err
sso_link_send(struct ctx *ctx, const char *browser)
{
	const char *key, *token, *url, *label;
	struct db_rows *r;
	int64_t wait = 0;
	json_t *info;
	tr_err err = link_row(ctx, browser, &r);

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Aucune liaison n'attend dans ce navigateur, ou elle a expiré.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	key = arena_printf(ctx->arena, "oidc-link-email:%s", db_text(db_cell(r, 0, 3)));
	if ((err = throttle_wait(ctx, key, &throttle_link_email, &wait)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (wait > 0)
		return TR_OK;
	token = sec_random_token(ctx->arena, 32);
	url = arena_printf(ctx->arena, "%s/oidc/liaison/%s", ctx->cfg->base_url, token);
	info = link_json(ctx, r);
	label = arena_strdup(ctx->arena, json_string_value(json_object_get(info, "provider_label")));
	json_decref(info);
	TRY(tx_begin(ctx));
	TRY(throttle_note(ctx, key));
	TRY(db_execv(ctx->db, "UPDATE oidc_pending SET email_token_hash = ? WHERE id = ?", NULL,
	    DB_TEXT(hash_of(ctx->arena, token)), DB_I64(db_int(db_cell(r, 0, 0)))));
	TRY(outbox_email_sensitive(ctx, db_text(db_cell(r, 0, 3)), "Rattacher votre identité à votre compte tremplin",
	    arena_printf(ctx->arena,
	        "Bonjour %s,\n\nVous vous êtes connecté avec %s, et un compte tremplin existe déjà avec cette adresse. "
	        "Pour les rattacher, ouvrez ce lien (valable une heure, une seule fois) :\n%s\n\nSi vous n'êtes pas à "
	        "l'origine de cette demande, ignorez ce message : rien ne sera rattaché.\n",
	        db_text(db_cell(r, 0, 6)), label, url)));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
sso_link_token_pending(struct ctx *ctx, const char *token, json_t **out)
{
	struct db_rows *r;
	tr_err err = link_row_by_token(ctx, token, &r);

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lien est inconnu, a déjà servi ou a expiré.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = link_json(ctx, r);
	return TR_OK;
}

tr_err
sso_link_token_confirm(struct ctx *ctx, const char *token, const char *user_agent, struct session_new *out)
{
	struct db_rows *r;
	tr_err err = link_row_by_token(ctx, token, &r);

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lien est inconnu, a déjà servi ou a expiré.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	TRY(link_finish(ctx, r, "email", user_agent, out));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* The organisations in which the actor is an employer, as a SQL list condition's parameter ("|1|4|"). */
static const char *
employer_orgs(struct ctx *ctx)
{
	const char *s = "|";

	for (size_t i = 0; i < ctx->actor->nroles; i++)
		if (ctx->actor->roles[i].role == ROLE_EMPLOYER && ctx->actor->roles[i].org_id != 0)
			s = arena_printf(ctx->arena, "%s%lld|", s, (long long)ctx->actor->roles[i].org_id);
	return s;
}

#define PENDING_SELECT                                                                                             \
	"SELECT w.id, w.provider, w.email, w.name, w.siret, w.person_id, w.organisation_id, o.name AS "            \
	"organisation_name, "                                                                                      \
	"w.created_at FROM oidc_pending w LEFT JOIN organisations o ON o.id = w.organisation_id WHERE w.kind = "   \
	"'account' "                                                                                               \
	"AND w.state = 'pending' AND (CAST(? AS BIGINT) = 1 OR ? LIKE '%|' || CAST(w.organisation_id AS TEXT) || " \
	"'|%') "

tr_err
sso_pending_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err = authz_require(ctx, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_EMPLOYER));

	if (err != TR_OK)
		return err;
	err = db_queryv(ctx->db, ctx->arena, PENDING_SELECT "ORDER BY w.id", &r,
	    DB_BOOL(actor_has(ctx->actor, ROLE_ADMIN)), DB_TEXT(employer_orgs(ctx)));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
sso_pending_decide(struct ctx *ctx, int64_t id, bool approve, int64_t *person_id)
{
	struct db_rows *r;
	int64_t org_id, changes = 0;
	json_t *detail;
	tr_err err = authz_require(ctx, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_EMPLOYER));

	if (err != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, PENDING_SELECT "AND w.id = ?", &r,
	    DB_BOOL(actor_has(ctx->actor, ROLE_ADMIN)), DB_TEXT(employer_orgs(ctx)), DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette demande n'existe pas ou a déjà été traitée.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*person_id = db_int(db_cell(r, 0, 5));
	org_id = db_isnull(db_cell(r, 0, 6)) ? 0 : db_int(db_cell(r, 0, 6));
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE oidc_pending SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
	    &changes, DB_TEXT(approve ? "approved" : "refused"), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	    DB_I64(id)));
	if (changes != 1) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette demande vient d'être traitée par quelqu'un d'autre.");
		goto out;
	}
	if (approve) {
		TRY(db_execv(ctx->db,
		    "UPDATE people SET active = 1, updated_at = ?, version = version + 1 WHERE id = ?", NULL,
		    DB_I64(ctx->now), DB_I64(*person_id)));
		if (org_id != 0)
			TRY(db_execv(ctx->db,
			    "INSERT INTO memberships (person_id, role, organisation_id, created_at) VALUES (?, "
			    "'employer', ?, ?)",
			    NULL, DB_I64(*person_id), DB_I64(org_id), DB_I64(ctx->now)));
	}
	detail = json_pack("{s:I, s:I}", "pending_id", (json_int_t)id, "organisation_id", (json_int_t)org_id);
	err = journal_append(ctx, "person", *person_id, approve ? "oidc_approve" : "oidc_refuse", detail);
	json_decref(detail);
	TRY(err);
	/* The account is inactive until approved: the message goes to its address directly. */
	TRY(db_execv(ctx->db, "UPDATE people SET active = 1 WHERE id = ? AND active = 0", NULL, DB_I64(*person_id)));
	TRY(notify_person(ctx, *person_id, approve ? "Votre compte est ouvert" : "Votre demande de compte est refusée",
	    notify_text(ctx,
	        approve
	            ? "Votre demande de compte a été approuvée : connectez-vous avec ProConnect."
	            : "Votre demande de compte a été refusée. Adressez-vous à votre structure ou à l'administrateur.",
	        "/connexion")));
	if (!approve)
		TRY(db_execv(ctx->db, "UPDATE people SET active = 0 WHERE id = ?", NULL, DB_I64(*person_id)));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
sso_logout(struct ctx *ctx, const char *token, const char **logout_url)
{
	enum config_oidc_provider p;
	struct db_rows *r;
	tr_err err;

	*logout_url = NULL;
	if (token == NULL || *token == '\0')
		return TR_OK;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT oidc_provider, oidc_id_token FROM sessions WHERE id_hash = ? AND oidc_provider IS NOT NULL", &r,
	    DB_TEXT(hash_of(ctx->arena, token)));
	if (err != TR_OK && err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	if ((err == TR_OK) && !db_isnull(db_cell(r, 0, 1)) &&
	    oidc_provider_named(ctx->cfg, db_text(db_cell(r, 0, 0)), &p))
		*logout_url = oidc_logout_url(ctx, p, db_text(db_cell(r, 0, 1)));
	return session_logout(ctx, token);
}

tr_err
sso_identity(struct ctx *ctx, int64_t person_id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT provider, given_name, family_name, birthdate, gender, birthplace, birthcountry, verified_at FROM "
	    "person_identities WHERE person_id = ?",
	    &r, DB_I64(person_id));

	*out = NULL;
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	return TR_OK;
}

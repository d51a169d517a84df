/* The register of partner companies (vivier): companies that can sponsor young people, with their commune (and
 * from it their département and region), activity, contact, and the programmes and job profiles they can
 * sponsor. Pole staff of the company's region and national officers edit it; pole staff, structures and
 * national officers search it by territory, activity and programme or job profile. */
#ifndef TR_DOMAIN_PARTNER_H
#define TR_DOMAIN_PARTNER_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* Who reads the vivier: pole staff, structures, national officers, admins. */
#define PARTNER_READERS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
/* Who edits it (pole staff: of the company's region only): pole staff, national officers, admins. */
#define PARTNER_EDITORS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))

struct partner_filter {
	const char *region, *departement, *commune; /* INSEE codes; NULL or "": any */
	const char *q;                              /* words searched in names and activities (folded) */
	int64_t programme_id, job_profile_id;       /* 0: any */
	int64_t page, per_page;
};

/* The companies matching F, by name: {items: [{id, name, siret, activity, commune_code, commune_name,
 * departement_code, departement_name, region_code, region_name, contact_name, contact_email, contact_phone,
 * programmes [{id, name}], job_profiles [{id, title, programme_id}], pole_id, version, can_edit}], total, page,
 * per_page}. Readers only. */
TR_MUST_USE tr_err partner_list(struct ctx *ctx, const struct partner_filter *f, json_t **out);

/* Company ID (an item as above). Readers only; TR_NOT_FOUND. */
TR_MUST_USE tr_err partner_get(struct ctx *ctx, int64_t id, json_t **out);

/* Adds a company from IN (entity_partner's fields; programmes and job_profiles as arrays of ids or '|'-joined
 * strings; a job profile brings its programme). The SIRET is unique (a field error names the company that has
 * it); the commune gives the département and region, which a pole person must cover. Journaled. */
TR_MUST_USE tr_err partner_create(struct ctx *ctx, json_t *in, int64_t *id);

/* Edits company ID seen at VERSION (all fields, as partner_create). A pole person must cover its region before
 * and after. TR_CONFLICT when stale. Journaled with the values before and after. */
TR_MUST_USE tr_err partner_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* The companies of REGION able to sponsor job profile JOB_PROFILE_ID, by name (100 at most), for the forms of
 * dossiers and contracts that name a sponsoring company: [{id, name, siret, activity, commune_name,
 * contact_name, contact_email, contact_phone}]. Readers only. */
TR_MUST_USE tr_err partner_suggest(struct ctx *ctx, const char *region, int64_t job_profile_id, json_t **out);

#endif

/* Role checks over the actor's memberships. */
#include "domain/kernel/authz.h"

#include <string.h>

bool
actor_has(const struct actor *a, enum role role)
{
	return a != NULL && (a->role_mask & ROLE_BIT(role)) != 0;
}

bool
actor_has_any(const struct actor *a, unsigned mask)
{
	return a != NULL && (a->role_mask & mask) != 0;
}

bool
actor_covers_region(const struct actor *a, enum role role, const char *region)
{
	if (a == NULL || region == NULL)
		return false;
	for (size_t i = 0; i < a->nroles; i++)
		if (a->roles[i].role == role)
			for (size_t k = 0; k < a->roles[i].nregions; k++)
				if (strcmp(a->roles[i].regions[k], region) == 0)
					return true;
	return false;
}

bool
actor_in_org(const struct actor *a, enum role role, int64_t org_id)
{
	if (a == NULL || org_id <= 0)
		return false;
	for (size_t i = 0; i < a->nroles; i++)
		if (a->roles[i].role == role && a->roles[i].org_id == org_id)
			return true;
	return false;
}

tr_err
authz_require(struct ctx *ctx, unsigned mask)
{
	if (ctx->actor == NULL)
		return ctx_fail(ctx, TR_UNAUTHORIZED, "Connectez-vous pour accéder à cette page.");
	if (!actor_has_any(ctx->actor, mask))
		return ctx_fail(ctx, TR_FORBIDDEN, "Votre compte n'a pas les droits nécessaires pour cette action.");
	return TR_OK;
}

/* Demo data for `seed --demo`: one organisation of each kind and one account per role. */
#ifndef TR_DOMAIN_DEMO_H
#define TR_DOMAIN_DEMO_H

#include <jansson.h>

#include "domain/kernel/ctx.h"

#define DEMO_PASSWORD "demo-tremplin-2026"
/* The TOTP secret of the demo's admin, national officer and payer (the RFC 6238 test secret; base32
 * GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ): `oathtool --totp -b GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ` gives their code. */
#define DEMO_TOTP_SECRET "12345678901234567890"

/* Creates the demo organisations and accounts unless they exist (running it twice changes nothing).
 * *LOGINS receives an array of {email, role, label} for every demo account. */
TR_MUST_USE tr_err demo_seed(struct ctx *ctx, json_t **logins);

#endif

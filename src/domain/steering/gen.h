/* A national-size synthetic data set for the steering figures (`tremplin gen steering`): employers with a place
 * and a validated dossier (its journal), offers, candidates, applications, contracts in every state with their
 * outcomes, training modules, the contracts' aid (monthly schedule lines, recoveries of some early ends) and the
 * national budget envelopes. For measuring the figures' time, never for real use. */
#ifndef TR_DOMAIN_STEERING_GEN_H
#define TR_DOMAIN_STEERING_GEN_H

#include <stdint.h>

#include "domain/kernel/ctx.h"

struct steer_gen {
	int64_t employers, contracts, applications;
	uint64_t seed;
};

/* Adds the data set to the first programme, in one transaction (nothing on error). Needs the reference data
 * (communes) and a programme with job profiles (`tremplin seed`). */
TR_MUST_USE tr_err steer_generate(struct ctx *ctx, const struct steer_gen *g);

#endif

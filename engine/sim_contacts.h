/* sim_contacts: recruitment through a synthetic contact network, one member at a time
 * (docs/scenario-format.md, "Contact network").
 *
 * No graph is stored.  A member carries one number, the contacts they have not asked yet; who a
 * contact is gets decided only when it is asked.  That is the configuration model read lazily:
 * a contact is the far end of a random edge, so it is a person already reached by the network
 * (joined or declined) with probability rho, the share of the population reached, and otherwise
 * a fresh person, who joins with probability q or declines for good.  Memory is one count per
 * member (plus its degree, kept for the results) whatever the population.  The approximations
 * (no clustering, no two members sharing a contact not yet reached) are listed in the doc. */
#ifndef COMPSIM_SIM_CONTACTS_H
#define COMPSIM_SIM_CONTACTS_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "scenario.h"

/* The contacts a new member can ask: for a founder, its degree D ~ NB(k, mean m); for a recruit
 * (reached along one of its edges, so its degree is size-biased), the contacts besides its sponsor
 * ~ NB(k + 1, mean m (k + 1) / k), the configuration model's excess degree.  Drawn as a
 * gamma-Poisson mixture (gamma of shape k or k + 1 and scale m / k), capped at CS_CONTACTS_MAX. */
uint32_t cs_contacts_draw(gsl_rng *r, const cs_contacts *c, int recruited);

typedef struct {
    uint32_t asked;    /* contacts asked (no longer askable by this member) */
    uint32_t joins;    /* fresh contacts who join: this member's recruits */
    uint32_t declines; /* fresh contacts who decline, and can never be recruited */
} cs_contacts_asks;

/* One member's asks in one period: A = min(left, Poisson(ask_mean)) of their contacts not asked
 * yet; F ~ Binomial(A, 1 - rho) of them are fresh; J ~ Binomial(F, q) join, F - J decline.  So
 * J ~ Binomial(A, q (1 - rho)) and, while left is not the bound, J ~ Poisson(q ask_mean (1 - rho)). */
cs_contacts_asks cs_contacts_ask(gsl_rng *r, const cs_contacts *c, uint32_t left, double ask_mean, double rho);

#endif

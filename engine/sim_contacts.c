/* sim_contacts: see sim_contacts.h.  The draws are made in a fixed order (asks, fresh, joins) from
 * the replica's own generator, so they depend on the seed and the replica only. */
#include "sim_contacts.h"

#include <gsl/gsl_randist.h>

uint32_t cs_contacts_draw(gsl_rng *r, const cs_contacts *c, int recruited)
{
    const double k = c->dispersion;
    double x = gsl_ran_gamma(r, recruited ? k + 1 : k, c->mean / k);
    if (!(x < CS_CONTACTS_MAX)) return CS_CONTACTS_MAX; /* also keeps gsl_ran_poisson's unsigned result in range */
    unsigned int d = gsl_ran_poisson(r, x);
    return d > CS_CONTACTS_MAX ? CS_CONTACTS_MAX : (uint32_t)d;
}

cs_contacts_asks cs_contacts_ask(gsl_rng *r, const cs_contacts *c, uint32_t left, double ask_mean, double rho)
{
    cs_contacts_asks a = {0, 0, 0};
    if (left == 0 || !(ask_mean > 0)) return a;
    /* a mean of 10^9 or more asks everyone left in any case (left <= 10^9) */
    unsigned int want = ask_mean < CS_CONTACTS_MAX ? gsl_ran_poisson(r, ask_mean) : CS_CONTACTS_MAX;
    a.asked = want < left ? (uint32_t)want : left;
    if (a.asked == 0) return a;
    uint32_t fresh = rho > 0 ? gsl_ran_binomial(r, 1.0 - rho, a.asked) : a.asked;
    a.joins = gsl_ran_binomial(r, (double)c->acceptance_ppm / 1e6, fresh);
    a.declines = fresh - a.joins;
    return a;
}

/* money: exact decimal quantities.
 *
 * Money is held in int64 minor units (cents).  Volumes (PV, BV) and retail sales are held the
 * same way, in hundredths, so that "1 BV = 1 currency unit" turns a volume into cents with no
 * conversion.  Rates are held in parts per million (ppm): 2.5% = 25000 ppm, so any rate written
 * with up to four decimals of a percent is exact.  A rate applied to an amount gives an exact
 * product in millionths of a cent; it is rounded once, half up, where docs/plan-format.md says. */
#ifndef COMPSIM_MONEY_H
#define COMPSIM_MONEY_H

#include <stdint.h>
#include <stddef.h>

#define CS_PPM_ONE 1000000    /* 100% */
#define CS_AMOUNT_MAX INT64_C(1000000000000000000) /* 10^16 currency units, in cents */

typedef enum {
    CS_NUM_OK = 0,
    CS_NUM_SYNTAX,    /* not a plain decimal number */
    CS_NUM_NEGATIVE,  /* below zero */
    CS_NUM_PRECISION, /* more decimals than the unit holds */
    CS_NUM_RANGE,     /* too large */
    CS_NUM_NAN,       /* nan or inf */
} cs_num_status;

/* Parses a plain decimal ("12", "12.5", "0.25", "+3") of `len` bytes into hundredths.  Leading and
 * trailing ASCII spaces are ignored; at most two decimals unless the extra ones are zeros; no
 * exponent.  Values above CS_AMOUNT_MAX are CS_NUM_RANGE. */
cs_num_status cs_parse_hundredths(const char *s, size_t len, int64_t *out);

/* Parses a percentage such as "2.5%" (the % sign is required) into ppm, at most four decimals;
 * values above 100% are CS_NUM_RANGE. */
cs_num_status cs_parse_percent(const char *s, size_t len, int32_t *out);

/* Parses a non-negative integer. */
cs_num_status cs_parse_count(const char *s, size_t len, int64_t max, int64_t *out);

/* Explains a status in a few words, for messages. */
const char *cs_num_status_text(cs_num_status st);

/* Writes an amount of cents as "-12.34"; buf needs 24 bytes.  Returns the length. */
int cs_format_cents(char *buf, int64_t cents);

/* Rounds an exact amount in millionths of a cent, x >= 0, half up: the rounding rule of every
 * payout line.  Returns -1 if the result does not fit in CS_AMOUNT_MAX. */
static inline int64_t cs_round_micro(__int128 x)
{
    /* almost every line fits in 64 bits, where division by a constant is a multiplication */
    if (x >= 0 && x <= (__int128)(INT64_MAX - CS_PPM_ONE)) return ((int64_t)x + CS_PPM_ONE / 2) / CS_PPM_ONE;
    __int128 r = (x + CS_PPM_ONE / 2) / CS_PPM_ONE;
    return r > (__int128)CS_AMOUNT_MAX ? -1 : (int64_t)r;
}

#endif

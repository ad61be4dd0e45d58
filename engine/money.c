#include "money.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

static int looks_nan(const char *s, size_t len)
{
    char b[8] = {0};
    size_t i = 0;
    if (len && (*s == '-' || *s == '+')) s++, len--;
    for (; i < len && i < 7; i++) b[i] = (char)tolower((unsigned char)s[i]);
    return len <= 8 && (!strcmp(b, "nan") || !strcmp(b, "inf") || !strcmp(b, "infinit") || !strcmp(b, ".nan") ||
                        !strcmp(b, ".inf"));
}

/* Shared by volumes (2 decimals) and percents (4 decimals). */
static cs_num_status parse_fixed(const char *s, size_t len, int decimals, int64_t max, int64_t *out)
{
    trim(&s, &len);
    if (!len) return CS_NUM_SYNTAX;
    if (looks_nan(s, len)) return CS_NUM_NAN;
    int neg = 0;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++, len--;
    }
    int64_t v = 0;
    size_t i = 0, ndig = 0;
    for (; i < len && isdigit((unsigned char)s[i]); i++, ndig++) {
        if (v > (max - (s[i] - '0')) / 10) return CS_NUM_RANGE;
        v = v * 10 + (s[i] - '0');
    }
    int frac = 0;
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && isdigit((unsigned char)s[i]); i++, ndig++, frac++) {
            if (frac >= decimals) {
                if (s[i] != '0') return CS_NUM_PRECISION;
                continue;
            }
            if (v > (max - (s[i] - '0')) / 10) return CS_NUM_RANGE;
            v = v * 10 + (s[i] - '0');
        }
    }
    if (i != len || ndig == 0) return CS_NUM_SYNTAX;
    for (int f = frac < decimals ? frac : decimals; f < decimals; f++) {
        if (v > max / 10) return CS_NUM_RANGE;
        v *= 10;
    }
    if (v > max) return CS_NUM_RANGE;
    if (neg && v != 0) return CS_NUM_NEGATIVE;
    *out = v; /* "-0" is zero */
    return CS_NUM_OK;
}

cs_num_status cs_parse_hundredths(const char *s, size_t len, int64_t *out)
{
    return parse_fixed(s, len, 2, CS_AMOUNT_MAX, out);
}

cs_num_status cs_parse_percent(const char *s, size_t len, int32_t *out)
{
    trim(&s, &len);
    if (!len || s[len - 1] != '%') return looks_nan(s, len) ? CS_NUM_NAN : CS_NUM_SYNTAX;
    int64_t v;
    /* 100% = 100.0000 with four decimals = 1,000,000 ppm */
    cs_num_status st = parse_fixed(s, len - 1, 4, INT64_C(1000000000), &v);
    if (st != CS_NUM_OK) return st;
    if (v > CS_PPM_ONE) return CS_NUM_RANGE;
    *out = (int32_t)v;
    return CS_NUM_OK;
}

cs_num_status cs_parse_count(const char *s, size_t len, int64_t max, int64_t *out)
{
    return parse_fixed(s, len, 0, max, out);
}

const char *cs_num_status_text(cs_num_status st)
{
    switch (st) {
    case CS_NUM_OK: return "ok";
    case CS_NUM_SYNTAX: return "not a decimal number";
    case CS_NUM_NEGATIVE: return "negative";
    case CS_NUM_PRECISION: return "too many decimals";
    case CS_NUM_RANGE: return "out of range";
    case CS_NUM_NAN: return "not a finite number";
    }
    return "?";
}

int cs_format_cents(char *buf, int64_t cents)
{
    const char *sign = cents < 0 ? "-" : "";
    uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    return snprintf(buf, 24, "%s%llu.%02llu", sign, (unsigned long long)(a / 100), (unsigned long long)(a % 100));
}

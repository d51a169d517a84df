/* The validator of the places standard: the generated field table (place_schema.c) plus what a pattern
 * cannot say (coordinates, dates, emails, URLs), with French messages that name field, value and reason. */
#include "model/places/place.h"

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "core/utf8.h"
#include "model/kernel/entity.h"

/* The longest excerpt of a value quoted in a message, in characters. */
#define QUOTE_MAX 80

static regex_t compiled[PLACE_NFIELDS];
static pthread_once_t compiled_once = PTHREAD_ONCE_INIT;

/* What a pattern means, in French, for the fields that have one. */
static const struct {
	const char *field, *reason;
} pattern_reasons[] = {
	{ "pivot", "doit contenir de 9 à 14 lettres ou chiffres (SIRET, RNA ou RIDET)" },
	{ "code_postal", "doit contenir 5 chiffres" },
	{ "code_insee", "n'est pas un code INSEE de commune (5 caractères, par exemple 51454 ou 2A004)" },
	{ "telephone", "n'est pas un numéro de téléphone : 10 chiffres (par exemple 01 80 05 98 80) ou un numéro "
	               "international commençant par +" },
};

static void
compile_all(void)
{
	for (size_t i = 0; i < PLACE_NFIELDS; i++) {
		int rc;
		if (place_fields[i].pattern == NULL)
			continue;
		rc = regcomp(&compiled[i], place_fields[i].pattern, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			fprintf(stderr, "tremplin: the pattern of %s does not compile: %s\n", place_fields[i].name,
			    place_fields[i].pattern);
			abort();
		}
	}
}

void
place_schema_init(void)
{
	pthread_once(&compiled_once, compile_all);
}

int
place_field_index(const char *name, size_t n)
{
	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (strlen(place_fields[i].name) == n && memcmp(place_fields[i].name, name, n) == 0)
			return i;
	return -1;
}

bool
place_vocab_has(const struct field *f, const char *code, size_t n)
{
	for (size_t i = 0; i < place_nvalues(f); i++)
		if (strlen(place_value(f, i)) == n && memcmp(place_value(f, i), code, n) == 0)
			return true;
	return false;
}

bool
place_number_parse(const char *s, size_t n, double *out)
{
	size_t i = 0, digits = 0;
	char tmp[64];

	if (n == 0 || n >= sizeof(tmp))
		return false;
	if (s[i] == '-' || s[i] == '+')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			exp++;
		if (exp == 0)
			return false;
	}
	if (i != n)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	return isfinite(*out);
}

char *
place_number_text(struct arena *a, double v)
{
	return arena_printf(a, "%.15g", v);
}

const char *
place_number_canonical(struct arena *a, const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '-', int_digits = 0;
	double d;

	/* A plain decimal from 1 to 999 (coordinates, mostly) with at most DBL_DIG significant digits prints back
	 * under "%.15g" as itself without the trailing zeros of its fraction (and a dot left alone): no printf. */
	while (i < n && s[i] >= '0' && s[i] <= '9' && int_digits < 4)
		i++, int_digits++;
	if (int_digits >= 1 && int_digits <= 3 && s[i - int_digits] != '0' && (i == n || s[i] == '.')) {
		size_t digits = int_digits, end = i;
		if (i < n)
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
				if (s[i] != '0')
					end = i + 1;
		if (i == n && digits <= 15)
			return arena_strndup(a, s, end);
	}
	return place_number_parse(s, n, &d) ? place_number_text(a, d) : arena_strndup(a, s, n);
}

bool
place_url_valid(const char *s, size_t n)
{
	size_t skip;

	if (n > 8 && strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (n > 7 && strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return false;
	if (s[skip] == '/' || s[skip] == '.' || s[skip] == ':')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '"' || s[i] == '<' || s[i] == '>')
			return false;
	return true;
}

/* The value as quoted in a message: at most QUOTE_MAX characters, then "…". */
static const char *
quote(struct arena *a, const char *s, size_t n)
{
	size_t chars = 0, i;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars > QUOTE_MAX)
			return arena_printf(a, "%.*s…", (int)i, s);
	}
	return arena_strndup(a, s, n);
}

static void
fail_value(struct arena *a, struct field_errors *fe, const struct field *f, const char *s, size_t n, const char *reason)
{
	field_errors_add(fe, f->name, arena_printf(a, "« %s » : « %s » %s.", f->label, quote(a, s, n), reason));
}

static const char *
pattern_reason(const struct field *f)
{
	for (size_t i = 0; i < sizeof(pattern_reasons) / sizeof(pattern_reasons[0]); i++)
		if (strcmp(pattern_reasons[i].field, f->name) == 0)
			return pattern_reasons[i].reason;
	return "ne respecte pas le format du standard";
}

/* True when S (N bytes) is printable ASCII (and line breaks and tabs when MULTILINE): valid UTF-8, one character a
 * byte, no control character. */
static bool
plain_ascii(const char *s, size_t n, bool multiline)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 || c >= 0x7f) && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
			return false;
	}
	return true;
}

/* Checks each '|'-separated item of S with CHECK; fails on the first bad or empty one. */
static bool
each_item(struct arena *a, struct field_errors *fe, const struct field *f, const char *s, size_t n,
    bool (*check)(const struct field *, const char *, size_t), const char *reason)
{
	const char *p = s, *end = s + n;

	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t len = bar ? (size_t)(bar - p) : (size_t)(end - p);
		if (len == 0) {
			fail_value(a, fe, f, s, n, "contient une valeur vide entre deux « | »");
			return false;
		}
		if (!check(f, p, len)) {
			fail_value(a, fe, f, p, len, reason);
			return false;
		}
		if (bar == NULL)
			return true;
		p = bar + 1;
	}
}

static bool
check_vocab(const struct field *f, const char *s, size_t n)
{
	return place_vocab_has(f, s, n);
}

static bool
check_email(const struct field *f, const char *s, size_t n)
{
	(void)f;
	return email_valid(s, n);
}

static bool
check_url(const struct field *f, const char *s, size_t n)
{
	(void)f;
	return place_url_valid(s, n);
}

/* Checks one non-empty value of field I; false after adding an error. */
static bool
check_value(int i, const char *s, size_t n, struct arena *a, struct field_errors *fe, double *num)
{
	const struct field *f = &place_fields[i];
	size_t max = f->max_len ? f->max_len : PLACE_MAX_CHARS;
	bool multiline = (f->flags & FF_MULTILINE) != 0;
	bool ascii = plain_ascii(s, n, multiline); /* most values: one pass instead of the three below */
	size_t chars;
	int y, m, d;

	if (!ascii && !utf8_valid(s, n)) {
		field_errors_add(fe, f->name,
		    arena_printf(a, "« %s » contient des caractères invalides (UTF-8 attendu).", f->label));
		return false;
	}
	if ((chars = ascii ? n : utf8_length(s, n)) > max) {
		fail_value(a, fe, f, s, n, arena_printf(a, "dépasse %zu caractères (%zu)", max, chars));
		return false;
	}
	if (!ascii && field_has_controls(s, n, multiline)) {
		fail_value(a, fe, f, s, n, "contient des caractères de contrôle");
		return false;
	}
	switch (f->type) {
	case FT_NUMBER:
		if (!place_number_parse(s, n, num)) {
			fail_value(a, fe, f, s, n, "doit être un nombre (le point comme séparateur décimal)");
			return false;
		}
		break;
	case FT_DATE:
		if (!date_parse(s, n, &y, &m, &d)) {
			fail_value(a, fe, f, s, n, "doit être une date réelle au format AAAA-MM-JJ");
			return false;
		}
		break;
	default: break;
	}
	if (f->vocab != NULL)
		return each_item(a, fe, f, s, n, check_vocab, "n'est pas une valeur de la liste du standard");
	if (f->pattern != NULL) {
		char *z = arena_strndup(a, s, n);
		if (regexec(&compiled[i], z, 0, NULL, 0) != 0) {
			fail_value(a, fe, f, s, n, pattern_reason(f));
			return false;
		}
	}
	switch (i) {
	case PLACE_F_COURRIELS:
		return each_item(a, fe, f, s, n, check_email, "n'est pas une adresse électronique valide");
	case PLACE_F_SITE_WEB:
		return each_item(a, fe, f, s, n, check_url, "n'est pas une adresse web (http:// ou https://)");
	case PLACE_F_FICHE_ACCES_LIBRE:
	case PLACE_F_PRISE_RDV:
		if (!place_url_valid(s, n)) {
			fail_value(a, fe, f, s, n, "n'est pas une adresse web (http:// ou https://)");
			return false;
		}
		break;
	case PLACE_F_LATITUDE:
		if (*num < -90 || *num > 90) {
			fail_value(a, fe, f, s, n, "doit être comprise entre -90 et 90");
			return false;
		}
		break;
	case PLACE_F_LONGITUDE:
		if (*num < -180 || *num > 180) {
			fail_value(a, fe, f, s, n, "doit être comprise entre -180 et 180");
			return false;
		}
		break;
	default: break;
	}
	return true;
}

tr_err
place_validate(const struct str *values, struct arena *a, struct field_errors *fe)
{
	size_t before = fe->n;
	double num = 0;
	bool coords_ok = true;

	place_schema_init();
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const struct field *f = &place_fields[i];
		if (values[i].n == 0) {
			if (f->required)
				field_errors_add(fe, f->name, arena_printf(a, "« %s » est obligatoire.", f->label));
			continue;
		}
		if (!check_value(i, values[i].p, values[i].n, a, fe, &num) &&
		    (i == PLACE_F_LATITUDE || i == PLACE_F_LONGITUDE))
			coords_ok = false;
	}
	if (coords_ok && (values[PLACE_F_LATITUDE].n == 0) != (values[PLACE_F_LONGITUDE].n == 0)) {
		int missing = values[PLACE_F_LATITUDE].n == 0 ? PLACE_F_LATITUDE : PLACE_F_LONGITUDE;
		field_errors_add(fe, place_fields[missing].name,
		    arena_printf(a, "« %s » est obligatoire quand « %s » est donnée : les deux coordonnées ou aucune.",
		        place_fields[missing].label,
		        place_fields[missing == PLACE_F_LATITUDE ? PLACE_F_LONGITUDE : PLACE_F_LATITUDE].label));
	}
	return fe->n > before ? TR_INVALID : TR_OK;
}

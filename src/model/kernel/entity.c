/* The generic validator of the entity tables. */
#include "model/kernel/entity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/fr.h"
#include "core/export.h"
#include "core/str.h"
#include "core/time.h"
#include "core/utf8.h"

#define DEFAULT_MAX_LEN 200

const struct field *
entity_field(const struct entity *e, const char *name)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].name, name) == 0)
			return &e->fields[i];
	return NULL;
}

const char *
field_column(const struct field *f)
{
	return f->column ? f->column : f->name;
}

/* True for an absent or null value and for the integer 0. */
static bool
zero_or_absent(json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_integer(v) && json_integer_value(v) == 0);
}

/* V as the validator writes it: an FT_BOOL stored as 0/1 is the boolean, an empty text is absent. */
static json_t *
diff_value(const struct field *f, json_t *v)
{
	if (v == NULL || (json_is_string(v) && json_string_length(v) == 0))
		return json_null();
	if (f->type == FT_BOOL && json_is_integer(v))
		return json_boolean(json_integer_value(v) != 0);
	return v;
}

json_t *
entity_diff(const struct entity *e, json_t *before, json_t *after)
{
	json_t *b = json_object(), *a = json_object();

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const char *k = f->name;
		json_t *x = json_object_get(before, k), *y = json_object_get(after, k);
		if (json_equal(diff_value(f, x), diff_value(f, y)))
			continue;
		/* An FF_ZERO integer absent on one side is its column's 0. */
		if (f->flags & FF_ZERO && zero_or_absent(x) && zero_or_absent(y))
			continue;
		json_object_set_new(b, k, x ? json_incref(x) : json_null());
		json_object_set_new(a, k, y ? json_incref(y) : json_null());
	}
	return json_pack("{s:o, s:o}", "before", b, "after", a);
}

/* The labels of the '|'-separated codes of S joined with ", ", or NULL when one is unknown. */
static const char *
multi_label(const struct vocab *v, const char *s, struct arena *a)
{
	const char *out = NULL;

	while (*s) {
		size_t n = strcspn(s, "|");
		const char *l = vocab_label(v, arena_strndup(a, s, n));
		if (l == NULL)
			return NULL;
		out = out ? arena_printf(a, "%s, %s", out, l) : l;
		s += n + (s[n] == '|');
	}
	return out;
}

void
entity_decorate(const struct entity *e, json_t *o, struct arena *a)
{
	char key[128];

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		json_t *v = json_object_get(o, f->name);
		const char *label;
		if (f->vocab == NULL || !json_is_string(v) || (f->flags & FF_MULTI && a == NULL))
			continue;
		label = f->flags & FF_MULTI ? multi_label(f->vocab, json_string_value(v), a)
		                            : vocab_label(f->vocab, json_string_value(v));
		if (label != NULL && (size_t)snprintf(key, sizeof key, "%s_label", f->name) < sizeof key)
			json_object_set_new(o, key, json_string(label));
	}
}

bool
siret_valid(const char *s, size_t n)
{
	int sum = 0, digits = 0;

	if (n != 14 || memcmp(s, "00000000000000", 14) == 0)
		return false;
	for (size_t i = 0; i < 14; i++) {
		int d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = s[i] - '0';
		digits += d;
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	/* La Poste's establishments share SIREN 356000000 and use the plain digit sum modulo 5. */
	if (memcmp(s, "356000000", 9) == 0)
		return digits % 5 == 0 || sum % 10 == 0;
	return sum % 10 == 0;
}

bool
email_valid(const char *s, size_t n)
{
	const char *at = NULL;
	size_t i;

	if (n < 3 || n > 254)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
			return false;
		if (c == '@') {
			if (at != NULL)
				return false;
			at = s + i;
		}
	}
	if (at == NULL || at == s || at == s + n - 1)
		return false;
	/* The domain needs a dot, not first nor last. */
	{
		const char *dom = at + 1;
		size_t dn = (size_t)(s + n - dom);
		const char *dot = memchr(dom, '.', dn);
		return dot != NULL && dot != dom && dom[dn - 1] != '.';
	}
}

static void
add_error(struct arena *a, struct field_errors *fe, const struct field *f, const char *fmt_reason)
{
	field_errors_add(fe, f->name, arena_printf(a, "« %s » %s", f->label, fmt_reason));
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns a string or integer value as trimmed text in the arena; NULL for null or absent. *SCALAR is
 * false for arrays, objects and reals, which no field accepts. */
static const char *
value_text(struct arena *a, json_t *v, size_t *len, bool *scalar)
{
	const char *p;
	size_t n;

	*scalar = true;
	*len = 0;
	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v)) {
		p = json_string_value(v);
		n = json_string_length(v);
		while (n > 0 && is_blank(p[0])) {
			p++;
			n--;
		}
		while (n > 0 && is_blank(p[n - 1]))
			n--;
		*len = n;
		return arena_strndup(a, p, n);
	}
	if (json_is_integer(v)) {
		char *t = arena_printf(a, "%lld", (long long)json_integer_value(v));
		*len = strlen(t);
		return t;
	}
	if (json_is_boolean(v)) {
		*len = json_is_true(v) ? 4 : 5;
		return json_is_true(v) ? "true" : "false";
	}
	*scalar = false;
	return "";
}

bool
field_has_controls(const char *s, size_t n, bool multiline)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
			return true;
		if (c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f))
			return true;
	}
	return false;
}

bool
iban_valid(const char *s, size_t n, char *out)
{
	char c[35];
	size_t k = 0;
	unsigned rem = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == ' ')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 32);
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) || k == 34)
			return false;
		c[k++] = ch;
	}
	if (k < 15 || !(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z') ||
	    !(c[2] >= '0' && c[2] <= '9' && c[3] >= '0' && c[3] <= '9'))
		return false;
	/* The first four characters move to the end; letters count as 10 to 35; the remainder must be 1. */
	for (size_t i = 0; i < k; i++) {
		char ch = c[(i + 4) % k];
		if (ch >= 'A' && ch <= 'Z')
			rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
		else
			rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
	}
	if (rem != 1)
		return false;
	if (out != NULL) {
		memcpy(out, c, k);
		out[k] = '\0';
	}
	return true;
}

bool
bic_valid(const char *s, size_t n)
{
	if (n != 8 && n != 11)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool letter = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
		bool digit = ch >= '0' && ch <= '9';
		if (i < 6 ? !letter : !(letter || digit))
			return false;
	}
	return true;
}

bool
centi_parse(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false, digits = false;
	int64_t v = 0;
	int dec = -1;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		char ch = s[i];
		if (ch >= '0' && ch <= '9') {
			/* Room for this digit, and for the decimals still to come (v is scaled to hundredths below). */
			if (dec == 2 || v > (INT64_MAX / 100 - 9) / 10)
				return false;
			v = v * 10 + (ch - '0');
			digits = true;
			if (dec >= 0)
				dec++;
		} else if ((ch == '.' || ch == ',') && dec < 0 && digits) {
			dec = 0;
		} else if (ch == ' ' && dec < 0 && digits) {
			continue;
		} else {
			return false;
		}
	}
	if (!digits || dec == 0)
		return false;
	for (int k = dec < 0 ? 0 : dec; k < 2; k++)
		v *= 10;
	*out = neg ? -v : v;
	return true;
}

char *
centi_text(struct arena *a, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	char digits[32], whole[48];
	size_t n = (size_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)(u / 100)), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			whole[k++] = ' ';
		whole[k++] = digits[i];
	}
	whole[k] = '\0';
	if (u % 100 == 0)
		return arena_printf(a, "%s%s", v < 0 ? "-" : "", whole);
	if (u % 10 == 0)
		return arena_printf(a, "%s%s,%llu", v < 0 ? "-" : "", whole, (unsigned long long)(u % 100 / 10));
	return arena_printf(a, "%s%s,%02llu", v < 0 ? "-" : "", whole, (unsigned long long)(u % 100));
}

/* FT_CENTI: a JSON number or a string with at most two decimals, into an integer of hundredths. */
static void
check_centi(const struct field *f, json_t *v, bool partial, struct arena *a, struct field_errors *fe, json_t *out)
{
	const char *s = NULL;
	size_t n = 0;
	bool scalar;
	int64_t x;

	if (json_is_real(v)) {
		s = arena_printf(a, "%.15g", json_real_value(v));
		n = strlen(s);
	} else if (v != NULL && !json_is_null(v) && !json_is_string(v) && !json_is_integer(v)) {
		add_error(a, fe, f, "n'a pas un type de valeur accepté.");
		return;
	} else {
		s = value_text(a, v, &n, &scalar);
	}
	if (s == NULL || n == 0) {
		if (f->required && !partial)
			add_error(a, fe, f, "est obligatoire.");
		return;
	}
	if (!centi_parse(s, n, &x)) {
		add_error(a, fe, f, "doit être un nombre avec au plus deux décimales (exemple : 17,5).");
		return;
	}
	if (x < f->min || x > f->max) {
		add_error(a, fe, f,
		    arena_printf(a, "doit être compris entre %s et %s.", centi_text(a, f->min), centi_text(a, f->max)));
		return;
	}
	json_object_set_new(out, f->name, json_integer(x));
}

static void
check_field(const struct field *f, json_t *in, bool partial, struct arena *a, struct field_errors *fe, json_t *out)
{
	json_t *v = json_object_get(in, f->name);
	size_t n = 0, maxlen = f->max_len ? f->max_len : DEFAULT_MAX_LEN;
	bool scalar;
	const char *s;

	if (f->type == FT_BOOL) {
		bool b = false;
		if (v == NULL || json_is_null(v)) {
			if (partial)
				return;
		} else if (json_is_boolean(v)) {
			b = json_is_true(v);
		} else {
			s = value_text(a, v, &n, &scalar);
			if (scalar && (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0 ||
			                  strcmp(s, "oui") == 0))
				b = true;
			else if (scalar &&
			         (n == 0 || strcmp(s, "0") == 0 || strcmp(s, "false") == 0 || strcmp(s, "non") == 0))
				b = false;
			else {
				add_error(a, fe, f, "doit valoir oui ou non.");
				return;
			}
		}
		json_object_set_new(out, f->name, json_boolean(b));
		return;
	}
	if (f->type == FT_CENTI) {
		check_centi(f, v, partial, a, fe, out);
		return;
	}
	if (v != NULL && !json_is_null(v) && !json_is_string(v) && !json_is_integer(v)) {
		add_error(a, fe, f, "n'a pas un type de valeur accepté.");
		return;
	}
	s = value_text(a, v, &n, &scalar);
	if (s == NULL || n == 0) {
		if (f->required && !partial)
			add_error(a, fe, f, "est obligatoire.");
		return;
	}
	if (!utf8_valid(s, n)) {
		add_error(a, fe, f, "contient des caractères invalides.");
		return;
	}
	switch (f->type) {
	case FT_INT:
	case FT_REF: {
		long long x;
		int64_t lo = f->type == FT_REF ? 1 : f->min, hi = f->type == FT_REF ? INT64_MAX : f->max;
		if (!str_to_i64((struct str){ s, n }, &x)) {
			add_error(a, fe, f, "doit être un nombre entier.");
			return;
		}
		if (x < lo || x > hi) {
			if (f->type == FT_REF)
				add_error(a, fe, f, "ne désigne aucun élément.");
			else
				add_error(a, fe, f,
				    arena_printf(
				        a, "doit être compris entre %lld et %lld.", (long long)lo, (long long)hi));
			return;
		}
		json_object_set_new(out, f->name, json_integer(x));
		return;
	}
	case FT_DATE: {
		int y, m, d;
		if (!date_parse(s, n, &y, &m, &d)) {
			add_error(a, fe, f, "doit être une date valide au format AAAA-MM-JJ.");
			return;
		}
		break;
	}
	case FT_EMAIL:
		if (!email_valid(s, n)) {
			add_error(a, fe, f, "n'est pas une adresse électronique valide (exemple : nom@domaine.fr).");
			return;
		}
		break;
	case FT_SIRET:
		if (!siret_valid(s, n)) {
			add_error(a, fe, f, "doit contenir les 14 chiffres d'un SIRET valide.");
			return;
		}
		break;
	case FT_IBAN: {
		char *c = arena_alloc(a, 35);
		if (!iban_valid(s, n, c)) {
			add_error(a, fe, f,
			    "n'est pas un IBAN valide : vérifiez les chiffres, sa clé de contrôle ne correspond pas "
			    "(exemple : "
			    "FR76 3000 6000 0112 3456 7890 189).");
			return;
		}
		s = c;
		n = strlen(c);
		break;
	}
	case FT_BIC: {
		char *c = arena_strndup(a, s, n);
		if (!bic_valid(s, n)) {
			add_error(
			    a, fe, f, "n'est pas un BIC valide : 8 ou 11 lettres et chiffres (exemple : AGRIFRPP).");
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (c[i] >= 'a' && c[i] <= 'z')
				c[i] = (char)(c[i] - 32);
		s = c;
		break;
	}
	case FT_PHONE: {
		char *c = arena_alloc(a, FR_PHONE_MAX + 1);
		if (!fr_phone_e164(s, n, c)) {
			add_error(a, fe, f,
			    "n'est pas un numéro de téléphone : 10 chiffres (exemple : 06 12 34 56 78) ou un numéro "
			    "international commençant par + (exemple : +33 6 12 34 56 78).");
			return;
		}
		s = c;
		n = strlen(c);
		break;
	}
	case FT_COMMUNE:
		if (n != 5 || !(s[0] >= '0' && s[0] <= '9') || strchr("0123456789AB", s[1]) == NULL ||
		    strspn(s + 2, "0123456789") != 3) {
			add_error(a, fe, f,
			    "doit être le code INSEE d'une commune (5 caractères, par exemple 26108 pour Crest).");
			return;
		}
		break;
	case FT_PLACE: /* the standard's id is any text: its existence is the domain's check */ break;
	case FT_REGION:
		if ((n != 2 && n != 3) || strspn(s, "0123456789") != n) {
			add_error(a, fe, f, "doit être le code INSEE d'une région (2 chiffres, par exemple 84).");
			return;
		}
		break;
	case FT_REGIONS: {
		char *c = arena_alloc(a, n + 1);
		size_t k = 0, run = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i < n && s[i] >= '0' && s[i] <= '9') {
				c[k++] = s[i];
				run++;
				continue;
			}
			if (i < n && strchr("|,; ", s[i]) == NULL) {
				add_error(
				    a, fe, f, "doit être une liste de codes INSEE de régions (par exemple 84|27).");
				return;
			}
			if (run == 0)
				continue;
			if (run > 3 || run < 2) {
				add_error(
				    a, fe, f, "doit être une liste de codes INSEE de régions (par exemple 84|27).");
				return;
			}
			c[k++] = '|';
			run = 0;
		}
		if (k > 0 && c[k - 1] == '|')
			k--;
		c[k] = '\0';
		if (k == 0) {
			if (f->required && !partial)
				add_error(a, fe, f, "est obligatoire.");
			return;
		}
		s = c;
		n = k;
		break;
	}
	case FT_RNA:
		if (n != 10 || s[0] != 'W' || strspn(s + 1, "0123456789") != 9) {
			add_error(a, fe, f, "doit être un numéro RNA : W suivi de 9 chiffres.");
			return;
		}
		break;
	case FT_CHOICE:
		if (f->vocab == NULL || vocab_label(f->vocab, s) == NULL) {
			add_error(a, fe, f, "n'est pas une valeur de la liste proposée.");
			return;
		}
		break;
	default: break;
	}
	if (utf8_length(s, n) > maxlen) {
		add_error(a, fe, f, arena_printf(a, "ne doit pas dépasser %zu caractères.", maxlen));
		return;
	}
	if (field_has_controls(s, n, f->type == FT_TEXTAREA || (f->flags & FF_MULTILINE))) {
		add_error(a, fe, f, "contient des caractères de contrôle.");
		return;
	}
	if (utf8_has_bidi_controls(s, n)) {
		add_error(a, fe, f,
		    "contient des caractères invisibles qui inversent le sens de lecture du texte (U+202A à U+202E, "
		    "U+2066 à U+2069, ou U+200E et U+200F sans texte écrit de droite à gauche) : retirez-les.");
		return;
	}
	if (f->type == FT_EMAIL) {
		/* Addresses are compared without case. */
		char *low = arena_strndup(a, s, n);
		for (size_t i = 0; i < n; i++)
			if (low[i] >= 'A' && low[i] <= 'Z')
				low[i] = (char)(low[i] + 32);
		s = low;
	}
	json_object_set_new(out, f->name, json_stringn(s, n));
}

tr_err
entity_validate(
    const struct entity *e, json_t *in, bool partial, struct arena *a, struct field_errors *fe, json_t **out)
{
	size_t before = fe->n;

	*out = json_object();
	if (in == NULL || !json_is_object(in)) {
		field_errors_add(fe, "_", "Le contenu envoyé doit être un objet JSON.");
		return TR_INVALID;
	}
	for (size_t i = 0; i < e->nfields; i++)
		check_field(&e->fields[i], in, partial, a, fe, *out);
	return fe->n > before ? TR_INVALID : TR_OK;
}

tr_err
entity_export(const struct entity *e, const char *sheet, json_t *rows, struct buf *out)
{
	struct export_column *cols = calloc(e->nfields ? e->nfields : 1, sizeof(*cols));
	size_t n = 0;
	tr_err err;

	if (cols == NULL)
		tr_oom("export columns");
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (!(f->flags & FF_EXPORTED))
			continue;
		cols[n++] = (struct export_column){ f->name, f->label,
			f->type == FT_INT || f->type == FT_REF ? EXPORT_INT
			: f->type == FT_DATE                   ? EXPORT_DATE
			: f->type == FT_BOOL                   ? EXPORT_BOOL
			                                       : EXPORT_TEXT };
	}
	err = sheet ? export_xlsx(sheet, cols, n, rows, out) : export_csv_sep(cols, n, rows, CSV_SEP_PEOPLE, out);
	free(cols);
	return err;
}

/* The protocole d'adhésion drawn with cairo and pango: a table of rows flowed line by line onto A4 pages, laid
 * out twice so that the footer can say "page N sur M". */
#include "domain/dossiers/protocol_pdf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/pdf.h"

#define NBSP PDF_NBSP
#define NNBSP PDF_NNBSP
#define EMPTY_VALUE "—" /* a missing value */

/* The value formatters: each returns a string (in the arena or borrowed from the JSON) or NULL for "—". */
typedef const char *value_fn(struct pdf *p, json_t *v);

static const char *
val_text(struct pdf *p, json_t *v)
{
	const char *s = json_string_value(v);

	return s && *s ? s : NULL;
}

/* A job title between French quotation marks, with their no-break spaces. */
static const char *
val_quoted(struct pdf *p, json_t *v)
{
	const char *s = val_text(p, v);

	return s ? arena_printf(p->a, "«" NBSP "%s" NBSP "»", s) : NULL;
}

static const char *
val_bool(struct pdf *p, json_t *v)
{
	return json_is_boolean(v) ? (json_is_true(v) ? "oui" : "non") : NULL;
}

/* An integer with narrow no-break spaces between groups of three digits: "1 200". */
static const char *
val_count(struct pdf *p, json_t *v)
{
	char digits[32], s[96];
	size_t n, k = 0, first;

	if (!json_is_integer(v))
		return NULL;
	n = (size_t)snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	first = digits[0] == '-';
	for (size_t i = 0; i < n; i++) {
		if (i > first && (n - i) % 3 == 0) {
			memcpy(s + k, NNBSP, sizeof(NNBSP) - 1);
			k += sizeof(NNBSP) - 1;
		}
		s[k++] = digits[i];
	}
	return arena_strndup(p->a, s, k);
}

/* "2026-03-12" as "12 mars 2026"; a string that is not such a date is shown as it is. */
static const char *
val_date(struct pdf *p, json_t *v)
{
	const char *s = val_text(p, v);
	int year, month, day;

	if (s == NULL || !date_parse(s, strlen(s), &year, &month, &day))
		return s;
	/* date_fr reads the Paris local time: noon UTC falls on the same calendar day there. */
	return date_fr(p->a, date_days(year, month, day) * 86400 + 12 * 3600);
}

/* The place's street address, then its postal code and commune. */
static const char *
val_address(struct pdf *p, json_t *place)
{
	const char *street = json_str(place, "adresse"), *cp = json_str(place, "code_postal");
	const char *commune = json_str(place, "commune");
	const char *town = arena_printf(
	    p->a, "%s%s%s", cp ? cp : "", cp && *cp && commune && *commune ? " " : "", commune ? commune : "");

	if (street == NULL || *street == '\0')
		return *town ? town : NULL;
	return *town ? arena_printf(p->a, "%s, %s", street, town) : street;
}

enum row_kind {
	ROW_HEADING, /* a section title */
	ROW_INLINE,  /* "Label : value" */
	ROW_BLOCK,   /* "Label :", then the (multi-line) value below it */
};

struct row {
	enum row_kind kind;
	const char *label;
	const char *obj; /* the member of the root holding KEY; NULL: the root itself */
	const char *key; /* NULL: the value is OBJ itself */
	value_fn *value;
};

static const struct row protocol_rows[] = {
	{ ROW_HEADING, "1. L’espace public numérique et la structure employeuse", NULL, NULL, NULL },
	{ ROW_INLINE, "Nom de l’EPN", "place", "nom", val_text },
	{ ROW_INLINE, "Adresse", "place", NULL, val_address },
	{ ROW_INLINE, "Structure employeuse", NULL, "employer_name", val_text },
	{ ROW_INLINE, "Personne à contacter", NULL, "contact_name", val_text },
	{ ROW_INLINE, "Courriel", NULL, "contact_email", val_text },
	{ ROW_INLINE, "Téléphone", NULL, "contact_phone", val_text },
	{ ROW_INLINE, "Label NetPublic obtenu", NULL, "netpublic", val_bool },
	{ ROW_INLINE, "Référencé dans l’annuaire national géolocalisé NetPublic", NULL, "listed_national", val_bool },
	{ ROW_HEADING, "2. Le projet de recrutement", NULL, NULL, NULL },
	{ ROW_BLOCK, "Description du projet de recrutement", NULL, "project", val_text },
	{ ROW_INLINE, "Métier choisi parmi ceux du dispositif", NULL, "job_profile", val_quoted },
	{ ROW_HEADING, "3. Tutorat", NULL, NULL, NULL },
	{ ROW_INLINE, "Tuteur", NULL, "tutor_name", val_text },
	{ ROW_INLINE, "Qualités du tuteur (expérience)", NULL, "tutor_qualities", val_text },
	{ ROW_INLINE, "Parrain", NULL, "sponsor_name", val_text },
	{ ROW_INLINE, "Qualités du parrain", NULL, "sponsor_qualities", val_text },
	{ ROW_INLINE, "Entreprise marraine", NULL, "company_name", val_text },
	{ ROW_INLINE, "SIRET", NULL, "company_siret", val_text },
	{ ROW_INLINE, "Activité de l’entreprise", NULL, "company_activity", val_text },
	{ ROW_HEADING, "4. Accompagnement et développement", NULL, NULL, NULL },
	{ ROW_INLINE, "Pôle de ressources interrégional référent", NULL, "pole_name", val_text },
	{ ROW_BLOCK, "Parcours emploi-formation prévu", NULL, "training_path", val_text },
	{ ROW_BLOCK, "Projet de développement ou de redynamisation de l’EPN", NULL, "development_project", val_text },
	{ ROW_HEADING, "5. Engagement de la structure", NULL, NULL, NULL },
	{ ROW_INLINE, "Nombre de postes demandés", NULL, "posts_requested", val_count },
};

static const struct row opinion_rows[] = {
	{ ROW_INLINE, "Avis", NULL, "label", val_text },
	{ ROW_BLOCK, "Suggestions d’amélioration du projet", NULL, "suggestions", val_text },
	{ ROW_BLOCK, "Conseils à la structure", NULL, "advice", val_text },
	{ ROW_INLINE, "Date", NULL, "at", val_date },
	{ ROW_INLINE, "Nom", NULL, "by", val_text },
};

static const struct row decision_rows[] = {
	{ ROW_INLINE, "Conformité du projet validée", NULL, "validated", val_bool },
	{ ROW_INLINE, "Postes accordés", NULL, "posts_granted", val_count },
	{ ROW_INLINE, "Motif du refus", NULL, "reason", val_text },
	{ ROW_INLINE, "Date", NULL, "at", val_date },
	{ ROW_INLINE, "Nom", NULL, "by", val_text },
};

static void
rows(struct pdf *p, const struct row *r, size_t n, json_t *root)
{
	for (size_t i = 0; i < n; i++, r++) {
		json_t *obj = r->obj ? json_object_get(root, r->obj) : root;
		const char *v, *s;

		if (r->kind == ROW_HEADING) {
			pdf_heading(p, r->label);
			continue;
		}
		v = r->value(p, r->key ? json_object_get(obj, r->key) : obj);
		s = arena_printf(
		    p->a, "%s" NBSP ":%s%s", r->label, r->kind == ROW_BLOCK ? "\n" : " ", v ? v : EMPTY_VALUE);
		pdf_text(p, p->body, s, strlen(r->label) + sizeof(NBSP ":") - 1, PDF_ROW_GAP);
	}
}

/* A framed block titled TITLE: ROWS read from OBJ, or the sentence PENDING when OBJ is not an object. */
static void
frame(struct pdf *p, const char *title, const struct row *r, size_t n, json_t *obj, const char *pending)
{
	pdf_frame_open(p);
	pdf_text(p, p->heading, title, 0, PDF_ROW_GAP);
	if (json_is_object(obj))
		rows(p, r, n, obj);
	else
		pdf_text(p, p->body, pending, 0, PDF_ROW_GAP);
	pdf_frame_close(p);
}

static void
render(struct pdf *p, void *ud)
{
	json_t *doc = ud;
	const char *programme = val_text(p, json_object_get(doc, "programme_name"));
	const char *ref = val_text(p, json_object_get(doc, "reference"));
	const char *on = val_date(p, json_object_get(doc, "signed_on"));
	const char *by = val_text(p, json_object_get(doc, "signatory"));
	const char *by_authority = val_text(p, json_object_get(doc, "decided_by"));
	const char *by_region = val_text(p, json_object_get(doc, "opinion_authority"));
	PangoLayout *l;

	l = pdf_layout(p, p->title, "Protocole d’adhésion");
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pdf_flow(p, l);
	g_object_unref(l);
	l = pdf_layout(p, p->subtitle,
	    arena_printf(
	        p->a, "%s\nRéférence" NBSP ": %s", programme ? programme : EMPTY_VALUE, ref ? ref : EMPTY_VALUE));
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pdf_flow(p, l);
	g_object_unref(l);

	rows(p, protocol_rows, sizeof(protocol_rows) / sizeof(protocol_rows[0]), doc);
	pdf_text(p, p->body, arena_printf(p->a, "Fait le %s, par %s", on ? on : EMPTY_VALUE, by ? by : EMPTY_VALUE), 0,
	    PDF_ROW_GAP);

	frame(p, arena_printf(p->a, "Avis régional" NBSP ": %s", by_region ? by_region : "auteur non renseigné"),
	    opinion_rows, sizeof(opinion_rows) / sizeof(opinion_rows[0]), json_object_get(doc, "opinion"),
	    "Avis non encore rendu");
	frame(p,
	    arena_printf(
	        p->a, "Décision nationale" NBSP ": %s", by_authority ? by_authority : "autorité non renseignée"),
	    decision_rows, sizeof(decision_rows) / sizeof(decision_rows[0]), json_object_get(doc, "decision"),
	    "Décision non encore prise");
}

tr_err
protocol_pdf(json_t *doc, struct buf *out)
{
	const char *ref = json_str(doc, "reference");
	struct arena *a = arena_new();
	tr_err err = pdf_document(
	    ref && *ref ? arena_printf(a, "Protocole d’adhésion %s", ref) : "Protocole d’adhésion",
	    json_is_integer(json_object_get(doc, "created_at")) ? json_integer_value(json_object_get(doc, "created_at"))
	                                                        : 0,
	    render, doc, out);

	arena_free(a);
	return err;
}

/* The protocole d'adhésion drawn with cairo and pango: a table of rows flowed line by line onto A4 pages, laid
 * out twice so that the footer can say "page N sur M". */
#include "domain/dossiers/protocol_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"

#define NBSP "\u00a0"   /* before ':' */
#define NNBSP "\u202f"  /* thousands separator */
#define EMPTY_VALUE "—" /* a missing value */

/* A4 in points; the PDF's user unit is the point and the pango context is set to 72 dpi to match. */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 56.7 /* 2 cm */
#define TOP MARGIN
#define BOTTOM (PAGE_H - 70.0) /* leaves room for the footer */
#define FOOTER_Y (PAGE_H - 40.0)
#define FRAME_PAD 8.0
#define ROW_GAP 4.0
#define HEADING_GAP 14.0
/* Space a heading or a frame needs below it to start on this page rather than end it alone. */
#define HEADING_KEEP 60.0
#define FRAME_KEEP 90.0

struct pdf {
	cairo_t *cr;
	PangoContext *pc;
	PangoFontDescription *body, *heading, *title, *subtitle, *footer;
	struct arena *a;
	bool draw;      /* false during the first pass, which only counts pages */
	int page;       /* the current page, from 1 */
	int pages;      /* the total, known in the second pass */
	double x, w;    /* the text column */
	double y;       /* the bottom of what is drawn on the current page */
	double top;     /* where text starts on the current page: while y is there, the page is empty */
	bool framed;    /* a frame is open */
	double frame_y; /* the top of the open frame on the current page */
};

/* Draws the part of the open frame that lies on the current page. */
static void
frame_stroke(struct pdf *p, double bottom)
{
	if (!p->draw)
		return;
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	cairo_set_line_width(p->cr, 0.8);
	cairo_rectangle(p->cr, MARGIN, p->frame_y, PAGE_W - 2 * MARGIN, bottom - p->frame_y);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static PangoLayout *
layout_new(struct pdf *p, const PangoFontDescription *font, const char *text)
{
	PangoLayout *l = pango_layout_new(p->pc);

	pango_layout_set_font_description(l, font);
	pango_layout_set_width(l, (int)(p->w * PANGO_SCALE));
	/* Words first, then characters: an address or a URL without spaces must not run past the margin. */
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, text, -1);
	return l;
}

static void
page_finish(struct pdf *p)
{
	PangoLayout *l;

	if (p->framed)
		frame_stroke(p, p->y + FRAME_PAD);
	if (!p->draw)
		return;
	l = layout_new(p, p->footer, arena_printf(p->a, "page %d sur %d", p->page, p->pages));
	pango_layout_set_width(l, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	cairo_move_to(p->cr, MARGIN, FOOTER_Y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	cairo_show_page(p->cr);
}

static void
page_break(struct pdf *p)
{
	page_finish(p);
	p->page++;
	p->top = p->framed ? TOP + FRAME_PAD : TOP;
	p->y = p->top;
	p->frame_y = TOP;
}

/* Starts a new page unless NEED points fit below the current position (or the page is still empty). */
static void
need_space(struct pdf *p, double need)
{
	if (p->y + need > BOTTOM && p->y > p->top)
		page_break(p);
}

/* The bottom of the layout's second line (of the first when it has only one), in layout points. */
static double
first_lines_bottom(PangoLayout *l)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	PangoRectangle r;

	pango_layout_iter_next_line(it);
	pango_layout_iter_get_line_extents(it, NULL, &r);
	pango_layout_iter_free(it);
	return (double)(r.y + r.height) / PANGO_SCALE;
}

/* Draws L at the column, line by line, moving to a new page whenever the next line does not fit: long texts
 * flow on, no line is cut. The first two lines stay together, so that a label never ends a page alone. */
static void
flow(struct pdf *p, PangoLayout *l)
{
	PangoLayoutIter *it;
	double y0, base = 0; /* layout point BASE is drawn at page point Y0 */

	need_space(p, first_lines_bottom(l));
	y0 = p->y;
	it = pango_layout_get_iter(l);
	do {
		PangoRectangle r;
		double top, bottom;

		pango_layout_iter_get_line_extents(it, NULL, &r);
		top = (double)r.y / PANGO_SCALE;
		bottom = (double)(r.y + r.height) / PANGO_SCALE;
		if (y0 + bottom - base > BOTTOM && p->y > p->top) {
			page_break(p);
			y0 = p->y;
			base = top;
		}
		if (p->draw) {
			cairo_move_to(p->cr, p->x + (double)r.x / PANGO_SCALE,
			    y0 - base + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE);
			pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		}
		p->y = y0 + bottom - base;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

/* Flows S, its first LABEL_LEN bytes in bold, then leaves GAP points. */
static void
text(struct pdf *p, const PangoFontDescription *font, const char *s, size_t label_len, double gap)
{
	PangoLayout *l = layout_new(p, font, s);

	if (label_len > 0) {
		PangoAttrList *attrs = pango_attr_list_new();
		PangoAttribute *bold = pango_attr_weight_new(PANGO_WEIGHT_BOLD);

		bold->start_index = 0;
		bold->end_index = (guint)label_len;
		pango_attr_list_insert(attrs, bold);
		pango_layout_set_attributes(l, attrs);
		pango_attr_list_unref(attrs);
	}
	flow(p, l);
	g_object_unref(l);
	p->y += gap;
}

static void
heading(struct pdf *p, const char *s)
{
	p->y += HEADING_GAP;
	need_space(p, HEADING_KEEP);
	cairo_set_source_rgb(p->cr, 0, 0, 0x91 / 255.0); /* DSFR's blue France */
	text(p, p->heading, s, 0, ROW_GAP);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

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
			heading(p, r->label);
			continue;
		}
		v = r->value(p, r->key ? json_object_get(obj, r->key) : obj);
		s = arena_printf(
		    p->a, "%s" NBSP ":%s%s", r->label, r->kind == ROW_BLOCK ? "\n" : " ", v ? v : EMPTY_VALUE);
		text(p, p->body, s, strlen(r->label) + sizeof(NBSP ":") - 1, ROW_GAP);
	}
}

/* A framed block titled TITLE: ROWS read from OBJ, or the sentence PENDING when OBJ is not an object. */
static void
frame(struct pdf *p, const char *title, const struct row *r, size_t n, json_t *obj, const char *pending)
{
	p->y += HEADING_GAP;
	need_space(p, FRAME_KEEP);
	p->framed = true;
	p->frame_y = p->y;
	p->y += FRAME_PAD;
	p->x += FRAME_PAD;
	p->w -= 2 * FRAME_PAD;
	text(p, p->heading, title, 0, ROW_GAP);
	if (json_is_object(obj))
		rows(p, r, n, obj);
	else
		text(p, p->body, pending, 0, ROW_GAP);
	p->y += FRAME_PAD - ROW_GAP;
	frame_stroke(p, p->y);
	p->framed = false;
	p->x -= FRAME_PAD;
	p->w += 2 * FRAME_PAD;
}

static void
render(struct pdf *p, json_t *doc)
{
	const char *programme = val_text(p, json_object_get(doc, "programme_name"));
	const char *ref = val_text(p, json_object_get(doc, "reference"));
	const char *on = val_date(p, json_object_get(doc, "signed_on"));
	const char *by = val_text(p, json_object_get(doc, "signatory"));
	PangoLayout *l;

	l = layout_new(p, p->title, "Protocole d’adhésion");
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	flow(p, l);
	g_object_unref(l);
	l = layout_new(p, p->subtitle,
	    arena_printf(
	        p->a, "%s\nRéférence" NBSP ": %s", programme ? programme : EMPTY_VALUE, ref ? ref : EMPTY_VALUE));
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	flow(p, l);
	g_object_unref(l);

	rows(p, protocol_rows, sizeof(protocol_rows) / sizeof(protocol_rows[0]), doc);
	text(p, p->body, arena_printf(p->a, "Fait le %s, par %s", on ? on : EMPTY_VALUE, by ? by : EMPTY_VALUE), 0,
	    ROW_GAP);

	frame(p, "Avis du chargé de mission TIC du SGAR", opinion_rows, sizeof(opinion_rows) / sizeof(opinion_rows[0]),
	    json_object_get(doc, "opinion"), "Avis non encore rendu");
	frame(p, "Décision de la Délégation aux usages de l’Internet", decision_rows,
	    sizeof(decision_rows) / sizeof(decision_rows[0]), json_object_get(doc, "decision"),
	    "Décision non encore prise");
	page_finish(p);
}

static cairo_status_t
write_buf(void *closure, const unsigned char *data, unsigned int length)
{
	return buf_append(closure, data, length) == TR_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

tr_err
protocol_pdf(json_t *doc, struct buf *out)
{
	struct pdf p = { 0 };
	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	/* A font map of our own: pango's default one is per thread and would outlive the call. */
	PangoFontMap *fm = pango_cairo_font_map_new();
	const char *ref = json_str(doc, "reference");
	tr_err err = TR_OK;

	p.a = arena_new();
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
	    ref && *ref ? arena_printf(p.a, "Protocole d’adhésion %s", ref) : "Protocole d’adhésion");
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "tremplin");
	/* Dated from the document's own moment rather than now, so that the same dossier always gives the same
	 * bytes and the hash recorded at the decision can be checked against a later download. */
	if (json_is_integer(json_object_get(doc, "created_at"))) {
		const char *iso = time_iso(p.a, json_integer_value(json_object_get(doc, "created_at")));
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, iso);
		cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, iso);
	}
	p.cr = cairo_create(surface);
	p.pc = pango_font_map_create_context(fm);
	pango_cairo_update_context(p.cr, p.pc);
	pango_cairo_context_set_resolution(p.pc, 72.0);
	p.body = pango_font_description_from_string("DejaVu Sans 10");
	p.heading = pango_font_description_from_string("DejaVu Sans Bold 12");
	p.title = pango_font_description_from_string("DejaVu Sans Bold 18");
	p.subtitle = pango_font_description_from_string("DejaVu Sans 12");
	p.footer = pango_font_description_from_string("DejaVu Sans 8");

	/* The first pass counts the pages, the second draws them: both break lines and pages alike. */
	for (int pass = 0; pass < 2; pass++) {
		p.draw = pass == 1;
		p.pages = p.page;
		p.page = 1;
		p.x = MARGIN;
		p.w = PAGE_W - 2 * MARGIN;
		p.y = p.top = TOP;
		render(&p, doc);
	}

	if (cairo_status(p.cr) != CAIRO_STATUS_SUCCESS)
		err = TR_INTERNAL;
	cairo_destroy(p.cr);
	cairo_surface_finish(surface);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
		err = TR_INTERNAL;
	/* The stream is written as pages end, so a full buffer shows as a cairo error. */
	if (err != TR_OK && out->toobig)
		err = TR_TOO_LARGE;
	cairo_surface_destroy(surface);
	pango_font_description_free(p.body);
	pango_font_description_free(p.heading);
	pango_font_description_free(p.title);
	pango_font_description_free(p.subtitle);
	pango_font_description_free(p.footer);
	g_object_unref(p.pc);
	g_object_unref(fm);
	arena_free(p.a);
	return err;
}

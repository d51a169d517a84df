/* The PDF kit of the domain's documents: text flowed line by line onto A4 pages with cairo and pango, laid out
 * twice so that the footer can say "page N sur M"; frames, tables and bars. */
#include "domain/kernel/pdf.h"

#include <cairo-pdf.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"

#define TOP PDF_MARGIN
#define BOTTOM (PDF_PAGE_H - 70.0) /* leaves room for the footer */
#define FOOTER_Y (PDF_PAGE_H - 40.0)
#define FRAME_PAD 8.0
#define HEADING_GAP 14.0
/* Space a heading or a frame needs below it to start on this page rather than end it alone. */
#define HEADING_KEEP 60.0
#define FRAME_KEEP 90.0
#define CELL_PAD 3.0
#define BAR_H 10.0

/* Draws the part of the open frame that lies on the current page. */
static void
frame_stroke(struct pdf *p, double bottom)
{
	if (!p->draw)
		return;
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	cairo_set_line_width(p->cr, 0.8);
	cairo_rectangle(p->cr, PDF_MARGIN, p->frame_y, PDF_PAGE_W - 2 * PDF_MARGIN, bottom - p->frame_y);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

PangoLayout *
pdf_layout(struct pdf *p, const PangoFontDescription *font, const char *text)
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
	l = pdf_layout(p, p->footer, arena_printf(p->a, "page %d sur %d", p->page, p->pages));
	pango_layout_set_width(l, (int)((PDF_PAGE_W - 2 * PDF_MARGIN) * PANGO_SCALE));
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	cairo_move_to(p->cr, PDF_MARGIN, FOOTER_Y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	cairo_show_page(p->cr);
}

void
pdf_page_break(struct pdf *p)
{
	page_finish(p);
	p->page++;
	p->top = p->framed ? TOP + FRAME_PAD : TOP;
	p->y = p->top;
	p->frame_y = TOP;
}

void
pdf_need_space(struct pdf *p, double need)
{
	if (p->y + need > BOTTOM && p->y > p->top)
		pdf_page_break(p);
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

/* The first two lines stay together, so that a label never ends a page alone. */
void
pdf_flow(struct pdf *p, PangoLayout *l)
{
	PangoLayoutIter *it;
	double y0, base = 0; /* layout point BASE is drawn at page point Y0 */

	pdf_need_space(p, first_lines_bottom(l));
	y0 = p->y;
	it = pango_layout_get_iter(l);
	do {
		PangoRectangle r;
		double top, bottom;

		pango_layout_iter_get_line_extents(it, NULL, &r);
		top = (double)r.y / PANGO_SCALE;
		bottom = (double)(r.y + r.height) / PANGO_SCALE;
		if (y0 + bottom - base > BOTTOM && p->y > p->top) {
			pdf_page_break(p);
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

void
pdf_text(struct pdf *p, const PangoFontDescription *font, const char *s, size_t label_len, double gap)
{
	PangoLayout *l = pdf_layout(p, font, s);

	if (label_len > 0) {
		PangoAttrList *attrs = pango_attr_list_new();
		PangoAttribute *bold = pango_attr_weight_new(PANGO_WEIGHT_BOLD);

		bold->start_index = 0;
		bold->end_index = (guint)label_len;
		pango_attr_list_insert(attrs, bold);
		pango_layout_set_attributes(l, attrs);
		pango_attr_list_unref(attrs);
	}
	pdf_flow(p, l);
	g_object_unref(l);
	p->y += gap;
}

void
pdf_heading(struct pdf *p, const char *s)
{
	p->y += HEADING_GAP;
	pdf_need_space(p, HEADING_KEEP);
	cairo_set_source_rgb(p->cr, 0, 0, 0x91 / 255.0); /* DSFR's blue France */
	pdf_text(p, p->heading, s, 0, PDF_ROW_GAP);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

void
pdf_frame_open(struct pdf *p)
{
	p->y += HEADING_GAP;
	pdf_need_space(p, FRAME_KEEP);
	p->framed = true;
	p->frame_y = p->y;
	p->y += FRAME_PAD;
	p->x += FRAME_PAD;
	p->w -= 2 * FRAME_PAD;
}

void
pdf_frame_close(struct pdf *p)
{
	p->y += FRAME_PAD - PDF_ROW_GAP;
	frame_stroke(p, p->y);
	p->framed = false;
	p->x -= FRAME_PAD;
	p->w += 2 * FRAME_PAD;
}

const char *
pdf_count(struct pdf *p, int64_t v)
{
	char digits[32], s[96];
	size_t n, k = 0, first;

	n = (size_t)snprintf(digits, sizeof(digits), "%lld", (long long)v);
	first = digits[0] == '-';
	for (size_t i = 0; i < n; i++) {
		if (i > first && (n - i) % 3 == 0) {
			memcpy(s + k, PDF_NNBSP, sizeof(PDF_NNBSP) - 1);
			k += sizeof(PDF_NNBSP) - 1;
		}
		s[k++] = digits[i];
	}
	return arena_strndup(p->a, s, k);
}

/* Lays out one row of cells (strings of CELLS) at the current position; returns its height; draws it when
 * DRAW. */
static double
table_row(struct pdf *p, json_t *cells, double wide, bool bold, bool draw)
{
	size_t n = json_array_size(cells);
	double unit = p->w / (wide + (double)(n > 0 ? n - 1 : 0)), x = p->x, h = 0;

	for (size_t i = 0; i < n; i++) {
		double cw = i == 0 ? unit * wide : unit;
		PangoLayout *l = pdf_layout(p, p->footer, json_string_value(json_array_get(cells, i)));
		PangoRectangle r;
		pango_layout_set_width(l, (int)((cw - 2 * CELL_PAD) * PANGO_SCALE));
		pango_layout_set_alignment(l, i == 0 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT);
		if (bold) {
			PangoAttrList *attrs = pango_attr_list_new();
			pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
			pango_layout_set_attributes(l, attrs);
			pango_attr_list_unref(attrs);
		}
		pango_layout_get_extents(l, NULL, &r);
		if (draw && p->draw) {
			cairo_move_to(p->cr, x + CELL_PAD, p->y + CELL_PAD);
			pango_cairo_show_layout(p->cr, l);
		}
		h = (double)(r.height) / PANGO_SCALE > h ? (double)(r.height) / PANGO_SCALE : h;
		g_object_unref(l);
		x += cw;
	}
	return h + 2 * CELL_PAD;
}

static void
table_line(struct pdf *p)
{
	if (!p->draw)
		return;
	cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, p->x, p->y);
	cairo_line_to(p->cr, p->x + p->w, p->y);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

void
pdf_table(struct pdf *p, json_t *heads, json_t *rows, double wide)
{
	double hh = table_row(p, heads, wide, true, false);
	size_t i;
	json_t *r;

	pdf_need_space(p, hh * 3);
	table_row(p, heads, wide, true, true);
	p->y += hh;
	table_line(p);
	json_array_foreach(rows, i, r)
	{
		double h = table_row(p, r, wide, false, false);
		if (p->y + h > BOTTOM) {
			pdf_page_break(p);
			table_row(p, heads, wide, true, true);
			p->y += hh;
			table_line(p);
		}
		table_row(p, r, wide, false, true);
		p->y += h;
	}
	table_line(p);
	p->y += PDF_ROW_GAP;
}

void
pdf_bars(struct pdf *p, json_t *labels, json_t *values)
{
	size_t n = json_array_size(values), i;
	double max = 0, lw = p->w * 0.4, area = p->w * 0.5;
	json_t *v;

	json_array_foreach(values, i, v) if (json_is_integer(v) && (double)json_integer_value(v) > max) max =
	    (double)json_integer_value(v);
	for (i = 0; i < n; i++) {
		double val = json_is_integer(json_array_get(values, i))
		                 ? (double)json_integer_value(json_array_get(values, i))
		                 : 0;
		double w = max > 0 ? area * val / max : 0;
		PangoLayout *l;
		pdf_need_space(p, BAR_H + 4);
		if (p->draw) {
			l = pdf_layout(p, p->footer, json_string_value(json_array_get(labels, i)));
			pango_layout_set_width(l, (int)((lw - 6) * PANGO_SCALE));
			pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
			cairo_move_to(p->cr, p->x, p->y);
			pango_cairo_show_layout(p->cr, l);
			g_object_unref(l);
			cairo_set_source_rgb(p->cr, 0, 0, 0x91 / 255.0);
			cairo_rectangle(p->cr, p->x + lw, p->y + 1, w, BAR_H - 2);
			cairo_fill(p->cr);
			cairo_set_source_rgb(p->cr, 0, 0, 0);
			l = pdf_layout(p, p->footer, pdf_count(p, (int64_t)val));
			cairo_move_to(p->cr, p->x + lw + w + 4, p->y);
			pango_cairo_show_layout(p->cr, l);
			g_object_unref(l);
		}
		p->y += BAR_H + 4;
	}
	p->y += PDF_ROW_GAP;
}

static cairo_status_t
write_buf(void *closure, const unsigned char *data, unsigned int length)
{
	return buf_append(closure, data, length) == TR_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

tr_err
pdf_document(const char *title, int64_t dated, pdf_render_fn *render, void *ud, struct buf *out)
{
	struct pdf p = { 0 };
	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(write_buf, out, PDF_PAGE_W, PDF_PAGE_H);
	/* A font map of our own: pango's default one is per thread and would outlive the call. */
	PangoFontMap *fm = pango_cairo_font_map_new();
	tr_err err = TR_OK;

	p.a = arena_new();
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "tremplin");
	/* Dated from the document's own moment rather than now, so that the same content always gives the same
	 * bytes and the hash recorded at generation can be checked against a later download. */
	if (dated > 0) {
		const char *iso = time_iso(p.a, dated);
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
		p.x = PDF_MARGIN;
		p.w = PDF_PAGE_W - 2 * PDF_MARGIN;
		p.y = p.top = TOP;
		render(&p, ud);
		page_finish(&p);
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

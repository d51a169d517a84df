/* The PDF kit of the domain's documents (the protocol, the annual report): A4 pages drawn with cairo and pango,
 * text flowed line by line (no line cut at a page end), headings kept with what follows, framed blocks, simple
 * tables and bar charts, laid out twice so that the footer can say "page N sur M". */
#ifndef TR_DOMAIN_PDF_H
#define TR_DOMAIN_PDF_H

#include <cairo.h>
#include <jansson.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* A4 in points; the PDF's user unit is the point and the pango context is set to 72 dpi to match. */
#define PDF_PAGE_W 595.28
#define PDF_PAGE_H 841.89
#define PDF_MARGIN 56.7 /* 2 cm */
#define PDF_ROW_GAP 4.0
#define PDF_NBSP "\u00a0"  /* before ':' */
#define PDF_NNBSP "\u202f" /* thousands separator */

struct pdf {
	cairo_t *cr;
	PangoContext *pc;
	PangoFontDescription *body, *heading, *title, *subtitle, *footer;
	struct arena *a; /* freed with the document */
	bool draw;       /* false during the first pass, which only counts pages */
	int page;        /* the current page, from 1 */
	int pages;       /* the total, known in the second pass */
	double x, w;     /* the text column */
	double y;        /* the bottom of what is drawn on the current page */
	double top;      /* where text starts on the current page: while y is there, the page is empty */
	bool framed;     /* a frame is open */
	double frame_y;  /* the top of the open frame on the current page */
};

/* Draws the whole document: called twice (p->draw false, then true), from the top of page 1. */
typedef void pdf_render_fn(struct pdf *p, void *ud);

/* Appends to OUT the PDF that RENDER draws, titled TITLE (metadata) and dated DATED (epoch seconds; 0: no date)
 * in its metadata, so that the same content gives the same bytes. Safe to call from several threads at once
 * (each call has its own font map). TR_TOO_LARGE at OUT's cap, TR_INTERNAL on another cairo error; on error OUT
 * holds a partial document that the caller discards. */
TR_MUST_USE tr_err pdf_document(const char *title, int64_t dated, pdf_render_fn *render, void *ud, struct buf *out);

/* A layout of TEXT (never read as markup) in FONT, as wide as the column. The caller unrefs it. */
PangoLayout *pdf_layout(struct pdf *p, const PangoFontDescription *font, const char *text);
/* Draws L at the column, line by line, moving to a new page whenever the next line does not fit. */
void pdf_flow(struct pdf *p, PangoLayout *l);
/* Flows S, its first LABEL_LEN bytes in bold, then leaves GAP points. */
void pdf_text(struct pdf *p, const PangoFontDescription *font, const char *s, size_t label_len, double gap);
/* A section title in DSFR blue, kept with what follows. */
void pdf_heading(struct pdf *p, const char *s);
/* Starts a new page unless NEED points fit below the current position (or the page is still empty). */
void pdf_need_space(struct pdf *p, double need);
/* Ends the current page (its footer) and starts the next. */
void pdf_page_break(struct pdf *p);
/* Opens and closes a framed block. */
void pdf_frame_open(struct pdf *p);
void pdf_frame_close(struct pdf *p);
/* A table: HEADS (strings) then ROWS (arrays of strings), the first column left-aligned and WIDE times as wide as
 * the others, which are right-aligned; rows never split, the header repeated after a page break. */
void pdf_table(struct pdf *p, json_t *heads, json_t *rows, double wide);
/* Horizontal bars: one per (LABEL, VALUE) of LABELS and VALUES (equal sizes), scaled to the largest. */
void pdf_bars(struct pdf *p, json_t *labels, json_t *values);
/* An integer with narrow no-break spaces between groups of three digits ("1 200"), in the document's arena. */
const char *pdf_count(struct pdf *p, int64_t v);

#endif

/* The annual report: the steering figures of a programme's year drawn on the PDF kit, kept as versions. */
#include "domain/steering/annual_report.h"

#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/pdf.h"
#include "domain/kernel/scope.h"
#include "domain/steering/steering.h"

#define REPORT_MAX (16 * 1024 * 1024)
/* Who generates a report: national reach any, regional officers and poles their régions'. */
#define REPORT_WRITERS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_POLE))
#define REPORT_READERS (REPORT_WRITERS | ROLE_BIT(ROLE_VIEWER))

static const struct scope_rule report_rules[] = {
	{ "national reach", STEER_NATIONAL, "1 = 1", NULL },
	{ "regions of a regional officer", ROLE_BIT(ROLE_REGIONAL), "r.region_code IN " SCOPE_REGIONS("regional"),
	    NULL },
	{ "regions of a pole", ROLE_BIT(ROLE_POLE), "r.region_code IN " SCOPE_REGIONS("pole"), NULL },
};
static const struct scope report_scope = { "annual_report", "annual_reports r", "r.id", report_rules,
	sizeof(report_rules) / sizeof(report_rules[0]) };

#define REPORT_SQL                                                                                                     \
	"SELECT r.id, r.programme_id, g.name AS programme_name, r.year, r.region_code, rg.name AS region_name, "       \
	"r.data_at, r.sha256, r.size, r.created_at, COALESCE(pe.name, 'ligne de commande') AS created_by FROM "        \
	"annual_reports r JOIN programmes g ON g.id = r.programme_id LEFT JOIN regions rg ON rg.code = r.region_code " \
	"LEFT JOIN people pe ON pe.id = r.created_by "

static const struct list_sort report_sorts[] = {
	{ "recent", "r.id DESC" },
};
static const struct list_spec report_spec = {
	.scope = &report_scope, .select = REPORT_SQL, .sorts = report_sorts, .nsorts = 1
};

/* What the drawing reads. */
struct report {
	struct ctx *ctx;
	json_t *dash; /* steer_dashboard */
	int64_t year, data_at;
	const char *scope_name; /* "France entière" or the région's name */
};

/* The value of column COL in the row KEY of figure ID of the dashboard (0 when absent). */
static json_int_t
figure_value(json_t *dash, const char *id, const char *key, size_t col)
{
	size_t i, j, k;
	json_t *s, *f, *r;

	json_array_foreach(json_object_get(dash, "sections"), i, s)
	{
		json_array_foreach(json_object_get(s, "figures"), j, f)
		{
			if (strcmp(json_string_value(json_object_get(f, "id")), id) != 0)
				continue;
			json_array_foreach(json_object_get(f, "rows"), k, r)
			{
				if (strcmp(json_string_value(json_object_get(r, "key")), key) == 0)
					return json_integer_value(json_array_get(json_object_get(r, "values"), col));
			}
		}
	}
	return 0;
}

static json_int_t
figure_sum(json_t *dash, const char *id, size_t col, const char *prefix)
{
	size_t i, j, k;
	json_t *s, *f, *r;
	json_int_t total = 0;

	json_array_foreach(json_object_get(dash, "sections"), i, s)
	{
		json_array_foreach(json_object_get(s, "figures"), j, f)
		{
			if (strcmp(json_string_value(json_object_get(f, "id")), id) != 0)
				continue;
			json_array_foreach(json_object_get(f, "rows"), k, r)
			{
				if (prefix == NULL ||
				    strncmp(json_string_value(json_object_get(r, "key")), prefix, strlen(prefix)) == 0)
					total += json_integer_value(json_array_get(json_object_get(r, "values"), col));
			}
		}
	}
	return total;
}

/* A share in whole percent, rounded half up; "—" without a base. */
static const char *
share(struct pdf *p, json_int_t part, json_int_t whole)
{
	return whole > 0
	           ? arena_printf(p->a, "%lld" PDF_NBSP "%%", (long long)llround(100.0 * (double)part / (double)whole))
	           : "—";
}

/* The summary, in sentences generated from the figures. */
static void
summary(struct pdf *p, struct report *r)
{
	json_int_t target = figure_value(r->dash, "posts_summary", "target", 0);
	json_int_t granted = figure_value(r->dash, "posts_summary", "granted", 0);
	json_int_t filled = figure_value(r->dash, "posts_summary", "filled", 0);
	json_int_t recruits = figure_value(r->dash, "recruitment_summary", "recruitments", 0);
	json_int_t in_force = figure_value(r->dash, "early_breaks", "in_force", 0);
	json_int_t breaks = figure_value(r->dash, "early_breaks", "ended_early", 0);
	json_int_t ended = figure_sum(r->dash, "outcomes_at_end", 0, NULL);
	json_int_t lasting = figure_sum(r->dash, "outcomes_at_end", 0, "lasting");
	json_int_t apps = figure_value(r->dash, "recruitment_summary", "applications", 0);

	pdf_heading(p, "Synthèse");
	if (target > 0)
		pdf_text(p, p->body,
		    arena_printf(p->a, "« %s postes pourvus sur %s, soit %s de l’objectif. »", pdf_count(p, filled),
		        pdf_count(p, target), share(p, filled, target)),
		    0, PDF_ROW_GAP);
	else
		pdf_text(p, p->body,
		    arena_printf(p->a, "« %s postes pourvus ; aucun objectif n’est fixé pour ce périmètre. »",
		        pdf_count(p, filled)),
		    0, PDF_ROW_GAP);
	pdf_text(p, p->body,
	    arena_printf(p->a, "« %s postes accordés au 31 décembre %lld, dont %s pourvus (%s). »",
	        pdf_count(p, granted), (long long)r->year, pdf_count(p, filled), share(p, filled, granted)),
	    0, PDF_ROW_GAP);
	pdf_text(p, p->body,
	    arena_printf(p->a, "« %s recrutements en %lld, pour %s candidatures reçues. »", pdf_count(p, recruits),
	        (long long)r->year, pdf_count(p, apps)),
	    0, PDF_ROW_GAP);
	pdf_text(p, p->body,
	    arena_printf(p->a, "« %s ruptures avant le terme sur %s contrats en cours dans l’année, soit %s. »",
	        pdf_count(p, breaks), pdf_count(p, in_force), share(p, breaks, in_force)),
	    0, PDF_ROW_GAP);
	pdf_text(p, p->body,
	    arena_printf(p->a, "« %s sorties de contrat dans l’année, dont %s en emploi durable (%s). »",
	        pdf_count(p, ended), pdf_count(p, lasting), share(p, lasting, ended)),
	    0, PDF_ROW_GAP);
}

static const char *
cell(struct pdf *p, json_t *v)
{
	if (json_is_integer(v))
		return pdf_count(p, json_integer_value(v));
	if (json_is_real(v)) {
		char *s = arena_printf(p->a, "%.1f", json_real_value(v));
		char *dot = strchr(s, '.');
		if (dot)
			*dot = ',';
		return s;
	}
	return "—";
}

/* One figure: its title, bars of its first column (bar charts), its table with the previous year, its note. */
static void
figure(struct pdf *p, json_t *f)
{
	json_t *heads = json_array(), *rows = json_array(), *labels = json_array(), *values = json_array(), *r;
	json_t *cols = json_object_get(f, "columns");
	size_t n = json_array_size(cols), i;
	bool bars = strcmp(json_string_value(json_object_get(f, "chart")), "bars") == 0 &&
	            strcmp(json_string_value(json_object_get(f, "unit")), "jours") != 0;

	pdf_need_space(p, 80);
	pdf_text(p, p->subtitle, json_string_value(json_object_get(f, "title")), 0, PDF_ROW_GAP);
	json_array_append(heads, json_object_get(f, "key_label"));
	for (i = 0; i < n; i++)
		json_array_append(heads, json_array_get(cols, i));
	for (i = 0; i < n; i++)
		json_array_append_new(heads, json_string(arena_printf(p->a, "%s (année précédente)",
		                                 json_string_value(json_array_get(cols, i)))));
	json_array_foreach(json_object_get(f, "rows"), i, r)
	{
		json_t *row = json_array();
		json_array_append(row, json_object_get(r, "label"));
		for (size_t m = 0; m < n; m++)
			json_array_append_new(
			    row, json_string(cell(p, json_array_get(json_object_get(r, "values"), m))));
		for (size_t m = 0; m < n; m++)
			json_array_append_new(
			    row, json_string(cell(p, json_array_get(json_object_get(r, "previous"), m))));
		json_array_append_new(rows, row);
		if (json_is_integer(json_array_get(json_object_get(r, "values"), 0))) {
			json_array_append(labels, json_object_get(r, "label"));
			json_array_append(values, json_array_get(json_object_get(r, "values"), 0));
		}
	}
	if (bars && json_array_size(values) > 0 && json_array_size(values) <= 30)
		pdf_bars(p, labels, values);
	pdf_table(p, heads, rows, n > 1 ? 2.0 : 3.0);
	json_decref(heads);
	json_decref(rows);
	json_decref(labels);
	json_decref(values);
}

static void
render(struct pdf *p, void *ud)
{
	struct report *r = ud;
	json_t *programme = json_object_get(r->dash, "programme"), *s, *f;
	size_t i, j;
	PangoLayout *l;

	/* The cover. */
	p->y += 180;
	l = pdf_layout(p, p->title, arena_printf(p->a, "Bilan annuel %lld", (long long)r->year));
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pdf_flow(p, l);
	g_object_unref(l);
	l = pdf_layout(p, p->subtitle,
	    arena_printf(p->a, "%s\n%s\n\nDonnées arrêtées au %s",
	        json_string_value(json_object_get(programme, "name")), r->scope_name, time_fr(p->a, r->data_at)));
	pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
	pdf_flow(p, l);
	g_object_unref(l);
	pdf_page_break(p);

	summary(p, r);
	json_array_foreach(json_object_get(r->dash, "sections"), i, s)
	{
		pdf_heading(p, json_string_value(json_object_get(s, "title")));
		json_array_foreach(json_object_get(s, "figures"), j, f) figure(p, f);
	}
	pdf_heading(p, "Notes de méthode");
	pdf_text(p, p->body,
	    arena_printf(p->a,
	        "Chaque chiffre est calculé sur les données de la plateforme telles qu’elles étaient au %s, pour "
	        "l’année civile %lld (du 1er janvier au 31 décembre), comparée à l’année %lld. Le même état des "
	        "données donne le même document, octet pour octet.",
	        time_fr(p->a, r->data_at), (long long)r->year, (long long)r->year - 1),
	    0, PDF_ROW_GAP);
	json_array_foreach(json_object_get(r->dash, "sections"), i, s)
	{
		json_array_foreach(json_object_get(s, "figures"), j, f)
		{
			const char *t = json_string_value(json_object_get(f, "title"));
			pdf_text(p, p->footer,
			    arena_printf(p->a, "%s" PDF_NBSP ": %s", t, json_string_value(json_object_get(f, "note"))),
			    strlen(t), 2);
		}
	}
}

tr_err
annual_report_render(
    struct ctx *ctx, int64_t programme_id, int64_t year, const char *region, struct buf *out, int64_t *data_at)
{
	struct steer_query q = { programme_id, NULL, NULL, region };
	struct report r = { ctx, NULL, year, 0, "France entière" };
	struct db_rows *rows;
	tr_err err;

	if ((err = authz_require(ctx, REPORT_READERS)) != TR_OK)
		return err;
	if (year < 2000 || year > 2100) {
		field_errors_add(&ctx->errors, "year", "« Année » doit être comprise entre 2000 et 2100.");
		return ctx_fail(ctx, TR_INVALID, "Les critères du bilan contiennent des erreurs.");
	}
	if (region == NULL && !actor_has_any(ctx->actor, STEER_NATIONAL)) {
		field_errors_add(&ctx->errors, "region", "« Région » : choisissez une région de votre périmètre.");
		return ctx_fail(ctx, TR_INVALID, "Les critères du bilan contiennent des erreurs.");
	}
	q.from = arena_printf(ctx->arena, "%04lld-01-01", (long long)year);
	q.to = arena_printf(ctx->arena, "%04lld-12-31", (long long)year);
	if ((err = steer_query_check(ctx, &q)) != TR_OK)
		return err;
	/* The moment of the data: the last change the journal knows, the reports' own entries excepted. */
	err = db_one(ctx->db, ctx->arena, "SELECT COALESCE(MAX(at), 0) FROM journal WHERE entity <> 'annual_report'",
	    NULL, 0, &rows);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	r.data_at = db_int(db_cell(rows, 0, 0));
	if (q.region) {
		if (db_onev(ctx->db, ctx->arena, "SELECT name FROM regions WHERE code = ?", &rows, DB_TEXT(q.region)) ==
		    TR_OK)
			r.scope_name = arena_printf(ctx->arena, "Région %s", db_text(db_cell(rows, 0, 0)));
	}
	if ((err = steer_dashboard(ctx, &q, &r.dash)) != TR_OK)
		return err;
	*data_at = r.data_at;
	out->max = REPORT_MAX;
	err = pdf_document(arena_printf(ctx->arena, "Bilan annuel %lld — %s", (long long)year, r.scope_name), r.data_at,
	    render, &r, out);
	json_decref(r.dash);
	return err;
}

tr_err
annual_report_generate(struct ctx *ctx, int64_t programme_id, int64_t year, const char *region, int64_t *id)
{
	struct buf pdf = BUF_INIT(REPORT_MAX);
	char sha[SEC_SHA256_HEX];
	int64_t data_at = 0;
	struct db_rows *r;
	json_t *detail = NULL;
	tr_err err;

	if ((err = authz_require(ctx, REPORT_WRITERS)) != TR_OK)
		return err;
	if (region && *region == '\0')
		region = NULL;
	if ((err = annual_report_render(ctx, programme_id, year, region, &pdf, &data_at)) != TR_OK)
		goto done;
	sec_sha256_hex(pdf.p, pdf.n, sha);
	if ((err = tx_begin(ctx)) != TR_OK)
		goto done;
	err = db_queryv(ctx->db, ctx->arena,
	    "INSERT INTO annual_reports (programme_id, year, region_code, data_at, sha256, size, pdf, created_by, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(programme_id), DB_I64(year), DB_TEXT(region), DB_I64(data_at), DB_TEXT(sha),
	    DB_I64((int64_t)pdf.n), DB_BLOB(pdf.p, pdf.n),
	    ctx->actor->person_id ? DB_I64(ctx->actor->person_id) : DB_NULLV, DB_I64(ctx->now));
	if (err == TR_OK) {
		*id = db_int(db_cell(r, 0, 0));
		detail = json_pack("{s:s, s:I, s:I, s:s?, s:I, s:I}", "sha256", sha, "programme_id",
		    (json_int_t)programme_id, "year", (json_int_t)year, "region_code", region, "data_at",
		    (json_int_t)data_at, "size", (json_int_t)pdf.n);
		err = journal_append(ctx, "annual_report", *id, "generate", detail);
		json_decref(detail);
	}
	err = tx_end(ctx, err);
	if (err != TR_OK && ctx->message == NULL)
		err = ctx_storage_error(ctx, err);
done:
	buf_free(&pdf);
	return err;
}

tr_err
annual_report_list(struct ctx *ctx, int64_t programme_id, int64_t page, json_t **out)
{
	struct sqlw w;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, REPORT_READERS)) != TR_OK)
		return err;
	scope_where(ctx, &report_scope, &w);
	if (programme_id > 0)
		sqlw_and(&w, "r.programme_id = ?", DB_I64(programme_id));
	return list_run(ctx, &report_spec, &w, NULL, page, 50, out);
}

tr_err
annual_report_get(struct ctx *ctx, int64_t id, json_t **meta, struct buf *out)
{
	struct db_rows *r;
	tr_err err;

	*meta = NULL;
	if ((err = authz_require(ctx, REPORT_READERS)) != TR_OK)
		return err;
	if ((err = scope_load(ctx, &report_scope, REPORT_SQL "WHERE r.id = ?", id, "Ce bilan n'existe pas.", meta)) !=
	    TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, "SELECT pdf FROM annual_reports WHERE id = ?", &r, DB_I64(id));
	if (err != TR_OK) {
		json_decref(*meta);
		*meta = NULL;
		return ctx_storage_error(ctx, err);
	}
	out->max = REPORT_MAX;
	return buf_append(out, db_cell(r, 0, 0)->s.p, db_cell(r, 0, 0)->s.n);
}

/* Tests of the protocole d'adhésion PDF: rendered documents read back with pdftotext (failing when poppler-utils
 * is absent), pending opinion and decision, missing values, the buffer cap, concurrent renders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/dossiers/protocol_pdf.h"

#define PDFTOTEXT "/usr/bin/pdftotext"

/* Ends the project text, so that its presence shows that nothing was cut. */
#define PROJECT_END "FINDUPROJET"

/* A recruitment project of about 3,000 characters with accents, apostrophes, quotation marks and euros. */
static char *
long_project(void)
{
	static const char sentence[] =
	    "L’EPN accueillera « les publics éloignés du numérique » : ateliers d’initiation, "
	    "aide aux démarches en ligne, budget de 3 000 € par an. ";
	size_t n = 0, cap = 3200;
	char *s = malloc(cap);

	assert_non_null(s);
	while (n + sizeof(sentence) + sizeof(PROJECT_END) < cap) {
		memcpy(s + n, sentence, sizeof(sentence) - 1);
		n += sizeof(sentence) - 1;
	}
	memcpy(s + n, PROJECT_END, sizeof(PROJECT_END));
	assert_true(strlen(s) > 3000);
	return s;
}

/* A complete protocol; OPINION and DECISION are set only when WITH_REVIEWS. */
static json_t *
full_doc(bool with_reviews)
{
	char *project = long_project();
	json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}",
	    "reference", "EAV-2026-000012", "programme_name", "Emplois d’avenir en EPN", "place", "nom",
	    "L’Atelier numérique d’Aurillac", "adresse", "3 rue de l’Égalité", "code_postal", "15000", "commune",
	    "Aurillac", "employer_name", "Association « Cantal connecté »", "contact_name", "Hélène Müller",
	    "contact_email", "helene.muller@example.org", "contact_phone", "04 71 00 00 00", "project", project,
	    "job_profile", "Médiateur numérique", "netpublic", 1, "listed_national", 0);

	free(project);
	/* Who decides is the programme's: the 2020 programme's agency, not the 2013 delegation. */
	json_object_set_new(doc, "decided_by", json_string("Agence nationale de la cohésion des territoires (ANCT)"));
	json_object_set_new(doc, "opinion_authority", json_string("Services de l'État en région (préfecture)"));
	json_object_update_new(doc,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "tutor_name", "Joël Lefèvre",
	        "tutor_qualities", "Animateur multimédia depuis 2005", "sponsor_name", "Françoise Dupré",
	        "sponsor_qualities", "Directrice d’école", "company_name", "Société <b>&amp; Fils</b>", "company_siret",
	        "43493312300029", "company_activity", "Réparation d’ordinateurs", "pole_name", "Pôle Grand Sud-Est",
	        "training_path", "Formation de médiateur (CQP), puis stage.\nÉvaluation à six mois.",
	        "development_project", "Ouvrir le samedi.\nCréer un espace « seniors ».", "posts_requested",
	        (json_int_t)1500, "signed_on", "2026-03-12", "signatory", "Hélène Müller"));
	if (with_reviews) {
		json_object_set_new(doc, "opinion",
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "label", "Favorable avec réserves", "suggestions",
		        "Prévoir un partenariat avec la médiathèque.", "advice",
		        "Associer la mission locale dès l’été.", "at", "2026-04-01", "by", "Noémie Sørensen"));
		json_object_set_new(doc, "decision",
		    json_pack("{s:b, s:I, s:n, s:s, s:s}", "validated", 1, "posts_granted", (json_int_t)1, "reason",
		        "at", "2026-05-20", "by", "Nadia Décideuse"));
	} else {
		json_object_set_new(doc, "opinion", json_null());
		json_object_set_new(doc, "decision", json_null());
	}
	return doc;
}

/* Renders DOC, checks that it is a PDF, and returns the buffer (the caller frees it). */
static struct buf
render(json_t *doc)
{
	struct buf b = BUF_INIT(0);

	assert_int_equal(protocol_pdf(doc, &b), TR_OK);
	assert_true(b.n > 5);
	assert_memory_equal(b.p, "%PDF-", 5);
	return b;
}

/* The text of the PDF in B as `pdftotext -layout` reads it (the caller frees it); fails the test when poppler's
 * pdftotext is not installed. pdftotext gives no-break spaces back as plain spaces. */
static char *
pdf_text(const struct buf *b)
{
	char path[] = "/tmp/test_protocol_pdf.XXXXXX", cmd[128], *s;
	size_t n = 0, cap = 1 << 16, got;
	FILE *f;
	int fd;

	if (access(PDFTOTEXT, X_OK) != 0)
		fail_msg(PDFTOTEXT " is missing: install poppler-utils (tools/deps.sh test)");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
	close(fd);
	snprintf(cmd, sizeof(cmd), PDFTOTEXT " -layout %s -", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	s = malloc(cap);
	assert_non_null(s);
	while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			cap *= 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
	}
	s[n] = '\0';
	assert_int_equal(pclose(f), 0);
	unlink(path);
	return s;
}

static void
assert_has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("missing from the PDF: \"%s\"", want);
}

/* The footer says "page 1 sur N" on the first page and "page N sur N" on the last. */
static void
assert_pages(const char *text)
{
	const char *first = strstr(text, "page 1 sur ");
	char last[32];
	int pages;

	assert_non_null(first);
	pages = (int)strtol(first + strlen("page 1 sur "), NULL, 10);
	assert_true(pages >= 1);
	snprintf(last, sizeof(last), "page %d sur %d", pages, pages);
	assert_has(text, last);
}

static void
test_full(void **state)
{
	json_t *doc = full_doc(true);
	struct buf b = render(doc);
	char *text = pdf_text(&b);

	(void)state;
	assert_has(text, "Protocole d’adhésion");
	assert_has(text, "Emplois d’avenir en EPN");
	assert_has(text, "Référence : EAV-2026-000012");
	assert_has(text, "1. L’espace public numérique et la structure employeuse");
	assert_has(text, "Nom de l’EPN : L’Atelier numérique d’Aurillac");
	assert_has(text, "3 rue de l’Égalité, 15000 Aurillac");
	assert_has(text, "Association « Cantal connecté »");
	assert_has(text, "Hélène Müller");
	assert_has(text, "Label NetPublic obtenu : oui");
	assert_has(text, "NetPublic : non");
	assert_has(text, "budget de 3 000 € par an");
	assert_has(text, PROJECT_END);
	assert_has(text, "« Médiateur numérique »");
	assert_has(text, "Tutorat");
	assert_has(text, "Joël Lefèvre");
	assert_has(text, "Société <b>&amp; Fils</b>");
	assert_has(text, "Créer un espace « seniors ».");
	assert_has(text, "Nombre de postes demandés : 1 500");
	assert_has(text, "Fait le 12 mars 2026, par Hélène Müller");
	assert_has(text, "Avis régional : Services de l'État en région (préfecture)");
	assert_null(strstr(text, "SGAR"));
	assert_has(text, "Avis : Favorable avec réserves");
	assert_has(text, "Conseils à la structure");
	assert_has(text, "Associer la mission locale dès l’été.");
	assert_has(text, "Date : 1er avril 2026");
	assert_has(text, "Noémie Sørensen");
	assert_has(text, "Décision nationale : Agence nationale de la cohésion");
	assert_has(text, "(ANCT)");
	assert_null(strstr(text, "usages de l’Internet"));
	assert_has(text, "Conformité du projet validée : oui");
	assert_has(text, "Postes accordés : 1");
	assert_has(text, "Motif du refus : —");
	assert_has(text, "20 mai 2026");
	assert_pages(text);
	assert_null(strstr(text, "non encore"));
	free(text);
	buf_free(&b);
	json_decref(doc);
}

static void
test_pending(void **state)
{
	json_t *doc = full_doc(false);
	struct buf b = render(doc);
	char *text = pdf_text(&b);

	(void)state;
	assert_has(text, "Avis régional : Services de l'État en région (préfecture)");
	assert_has(text, "Avis non encore rendu");
	assert_has(text, "Décision non encore prise");
	assert_has(text, PROJECT_END);
	assert_pages(text);
	free(text);
	buf_free(&b);
	json_decref(doc);
}

/* An empty object: every value is "—", the reviews are pending. */
static void
test_empty(void **state)
{
	json_t *doc = json_object();
	struct buf b = render(doc);
	char *text = pdf_text(&b);

	(void)state;
	assert_has(text, "Nom de l’EPN : —");
	assert_has(text, "Nombre de postes demandés : —");
	assert_has(text, "Fait le —, par —");
	assert_has(text, "Avis non encore rendu");
	assert_has(text, "Décision non encore prise");
	assert_pages(text);
	free(text);
	buf_free(&b);
	json_decref(doc);
}

static void
test_too_large(void **state)
{
	json_t *doc = full_doc(true);
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(protocol_pdf(doc, &b), TR_TOO_LARGE);
	buf_free(&b);
	json_decref(doc);
}

static void *
render_many(void *arg)
{
	int *failures = arg;

	for (int i = 0; i < 3; i++) {
		json_t *doc = full_doc(i % 2 == 0);
		struct buf b = BUF_INIT(0);

		if (protocol_pdf(doc, &b) != TR_OK || b.n < 5 || memcmp(b.p, "%PDF-", 5) != 0)
			(*failures)++;
		buf_free(&b);
		json_decref(doc);
	}
	return NULL;
}

/* Event-loop threads render at the same time. */
static void
test_concurrent(void **state)
{
	pthread_t threads[4];
	int failures[4] = { 0 };

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, render_many, &failures[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(failures[i], 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

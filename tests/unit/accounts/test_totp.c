/* TOTP (core/totp.c over liboath) against the RFC 6238 test vectors and across time-step boundaries, the QR code,
 * and the API tokens' scopes (model/accounts/token_scope.c). No storage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/totp.h"
#include "model/accounts/token_scope.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define RFC_SECRET "12345678901234567890" /* RFC 6238, appendix B: the SHA-1 seed */

/* RFC 6238, appendix B, the SHA-1 rows: time, 8-digit code. */
static const struct {
	int64_t t;
	const char *code;
} rfc_vectors[] = {
	{ 59, "94287082" },
	{ 1111111109, "07081804" },
	{ 1111111111, "14050471" },
	{ 1234567890, "89005924" },
	{ 2000000000, "69279037" },
	{ 20000000000, "65353130" },
};

static void
t_rfc_vectors(void **state)
{
	char out[9];

	for (size_t i = 0; i < N_ELEMS(rfc_vectors); i++) {
		assert_int_equal(totp_code(RFC_SECRET, 20, rfc_vectors[i].t, 8, out), TR_OK);
		assert_string_equal(out, rfc_vectors[i].code);
		/* The 6-digit code the apps show is the same value's last six digits. */
		assert_int_equal(totp_code(RFC_SECRET, 20, rfc_vectors[i].t, 6, out), TR_OK);
		assert_string_equal(out, rfc_vectors[i].code + 2);
	}
}

/* One step either side is accepted, and the step matched is handed back; two steps away is refused. */
static void
t_window(void **state)
{
	char code[7];
	int64_t step = -1;

	/* t = 59 is the last second of step 1; 60 starts step 2. */
	assert_int_equal(totp_code(RFC_SECRET, 20, 59, 6, code), TR_OK);
	assert_true(totp_check(RFC_SECRET, 20, 59, code, &step));
	assert_int_equal(step, 1);
	assert_true(totp_check(RFC_SECRET, 20, 60, code, &step)); /* step 2: the previous one */
	assert_int_equal(step, 1);
	assert_true(totp_check(RFC_SECRET, 20, 89, code, &step));  /* last second of step 2 */
	assert_false(totp_check(RFC_SECRET, 20, 90, code, &step)); /* step 3: two steps away */
	assert_true(totp_check(RFC_SECRET, 20, 30, code, &step));  /* step 1 itself */
	assert_true(totp_check(RFC_SECRET, 20, 0, code, &step));   /* step 0: the next one */
	/* The code of step 2 at the boundary, from the second before it (the clock of the app running ahead). */
	assert_int_equal(totp_code(RFC_SECRET, 20, 60, 6, code), TR_OK);
	assert_true(totp_check(RFC_SECRET, 20, 59, code, &step));
	assert_int_equal(step, 2);
	/* Spaces are ignored; anything else is not a code. */
	assert_int_equal(totp_code(RFC_SECRET, 20, 1111111109, 6, code), TR_OK);
	char spaced[8] = { code[0], code[1], code[2], ' ', code[3], code[4], code[5], '\0' };
	assert_true(totp_check(RFC_SECRET, 20, 1111111109, spaced, &step));
	assert_false(totp_check(RFC_SECRET, 20, 1111111109, "12345", &step));
	assert_false(totp_check(RFC_SECRET, 20, 1111111109, "1234567", &step));
	assert_false(totp_check(RFC_SECRET, 20, 1111111109, "12a456", &step));
	assert_false(totp_check(RFC_SECRET, 20, 1111111109, NULL, &step));
	assert_false(totp_check("another secret value", 20, 1111111109, code, &step));
}

static void
t_base32_and_qr(void **state)
{
	struct arena *a = arena_new();
	const char *b32 = totp_base32(a, RFC_SECRET, 20);
	const char *svg =
	    totp_qr_svg(a, "otpauth://totp/tremplin:a%40b.fr?secret=GEZDGNBV&issuer=tremplin", "Code <QR>");

	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_non_null(svg);
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);
	assert_non_null(strstr(svg, "<title id=\"qr-titre\">Code &lt;QR></title>"));
	assert_non_null(strstr(svg, "h1v1h-1z"));
	arena_free(a);
}

static void
t_scopes(void **state)
{
	assert_string_equal(token_area_of("/api/v1/dossiers/{id}/actions/{token}"), "dossiers");
	assert_string_equal(token_area_of("/api/v1/dossiers/{id}/diagnoses"), "poles");
	assert_string_equal(token_area_of("/api/v1/organisations/{id}/bank-details"), "subsidies");
	assert_string_equal(token_area_of("/api/v1/organisations/{id}"), "accounts");
	assert_string_equal(token_area_of("/api/v1/places.csv"), "places");
	assert_string_equal(token_area_of("/api/v1/activity/reports"), "activity");
	assert_string_equal(token_area_of("/dossiers/{id}"), "");
	assert_null(token_area_of("/api/v1/me"));
	/* A prefix is a whole segment: "/api/v1/placesX" is nobody's. */
	assert_string_equal(token_area_of("/api/v1/placesX"), "");

	assert_true(token_scopes_allow("dossiers:read", "dossiers", false));
	assert_false(token_scopes_allow("dossiers:read", "dossiers", true));
	assert_true(token_scopes_allow("places:read dossiers:write", "dossiers", true));
	assert_true(token_scopes_allow("dossiers:write", "dossiers", false));
	assert_false(token_scopes_allow("dossiers:write", "places", false));
	assert_false(token_scopes_allow("dossiers:read", "", false)); /* a page: "*" only */
	assert_true(token_scopes_allow("*", "", true));
	assert_true(token_scopes_allow("places:read", NULL, false));
	assert_false(token_scopes_allow("dossiersx:read", "dossiers", false));
	assert_false(token_scopes_allow("", "places", false));

	assert_true(token_scope_valid("*", 1));
	assert_true(token_scope_valid("steering:read", 13));
	assert_true(token_scope_valid("subsidies:write", 15));
	assert_false(token_scope_valid("steering:admin", 14));
	assert_false(token_scope_valid("nothing:read", 12));
	assert_false(token_scope_valid("steering", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_rfc_vectors),
		cmocka_unit_test(t_window),
		cmocka_unit_test(t_base32_and_qr),
		cmocka_unit_test(t_scopes),
	};

	if (totp_init() != TR_OK)
		return 1;
	return cmocka_run_group_tests_name("totp", tests, NULL, NULL);
}

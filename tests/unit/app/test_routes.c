/* The route table declares who reaches what on every row: router_check refuses a row without its access class (or
 * without the kind of object it names), and the platform's own table passes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/app.h"

static void
handler(struct request *req)
{
	(void)req;
}

static void
test_every_route_of_the_platform_declares_its_access(void **state)
{
	char why[256] = "";
	(void)state;
	assert_int_equal(router_check(app_routes, app_routes_count, why, sizeof(why)), app_routes_count);
	for (size_t i = 0; i < app_routes_count; i++)
		assert_non_null(router_access_code(app_routes[i].access));
}

/* As in app/routes.c: rows leave route.data out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static void
test_an_undeclared_route_is_refused(void **state)
{
	/* A row that leaves the class at its zero value, ACCESS_UNDECLARED (or leaves it out: the route table
	 * leaves out its last member, route.data, so the compiler no longer counts them), is refused by router_check,
	 * before the server opens its port. */
	const struct route table[] = {
		{ "GET", "/declaree", handler, ROLES_PUBLIC, 0, ACCESS_PUBLIC, NULL },
		{ "GET", "/oubliee", handler, ROLES_SIGNED_IN, 0, ACCESS_UNDECLARED, NULL },
		{ "GET", "/apres", handler, ROLES_PUBLIC, 0, ACCESS_PUBLIC, NULL },
	};
	char why[256] = "";
	(void)state;
	assert_int_equal(router_check(table, 3, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "GET /oubliee declares no access class"));
}

static void
test_a_route_naming_an_object_declares_its_kind(void **state)
{
	const struct route table[] = {
		{ "GET", "/choses/{id}", handler, ROLES_SIGNED_IN, 0, ACCESS_ORG, NULL },
	};
	char why[256] = "";
	(void)state;
	assert_int_equal(router_check(table, 1, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "does not declare its kind"));
}

static void
test_a_public_route_asks_for_no_role(void **state)
{
	const struct route table[] = {
		{ "GET", "/x", handler, ROLES_SIGNED_IN, 0, ACCESS_PUBLIC, NULL },
		{ "GET", "/y", handler, ROLES_PUBLIC, 0, (enum route_access)ACCESS_COUNT_, NULL },
	};
	char why[256] = "";
	(void)state;
	assert_int_equal(router_check(table, 1, why, sizeof(why)), 0);
	assert_int_equal(router_check(table + 1, 1, why, sizeof(why)), 0);
	assert_null(router_access_code(ACCESS_UNDECLARED));
	assert_string_equal(router_access_code(ACCESS_CONSENT), "consent");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_of_the_platform_declares_its_access),
		cmocka_unit_test(test_an_undeclared_route_is_refused),
		cmocka_unit_test(test_a_route_naming_an_object_declares_its_kind),
		cmocka_unit_test(test_a_public_route_asks_for_no_role),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

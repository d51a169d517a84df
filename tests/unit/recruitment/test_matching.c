/* Tests of the geometry the job board and matching rely on (domain/offer.h): haversine distances against known
 * values, and the bounding box of a radius search, which must hold every point of the circle (checked on its
 * boundary at many bearings, for centres from the equator to the poles and across the antimeridian). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "domain/recruitment/offer.h"

#define EARTH_KM 6371.0088
#define RAD (M_PI / 180)

/* The point at DISTANCE km from (LAT, LON) on BEARING degrees (the spherical destination formula). */
static void
destination(double lat, double lon, double bearing, double distance, double *out_lat, double *out_lon)
{
	double d = distance / EARTH_KM, p1 = lat * RAD, l1 = lon * RAD, b = bearing * RAD;
	double p2 = asin(sin(p1) * cos(d) + cos(p1) * sin(d) * cos(b));
	double l2 = l1 + atan2(sin(b) * sin(d) * cos(p1), cos(d) - sin(p1) * sin(p2));

	*out_lat = p2 / RAD;
	*out_lon = remainder(l2 / RAD, 360);
}

static void
test_known_distances(void **state)
{
	(void)state;
	assert_true(offer_distance_km(48.8566, 2.3522, 48.8566, 2.3522) == 0);
	/* Paris (Notre-Dame) to Lyon (Bellecour): 391.5 km on the sphere of mean radius. */
	assert_true(fabs(offer_distance_km(48.8530, 2.3499, 45.7578, 4.8320) - 391.5) < 1);
	/* A quarter of the equator, and the antipodes. */
	assert_true(fabs(offer_distance_km(0, 0, 0, 90) - M_PI / 2 * EARTH_KM) < 1e-6);
	assert_true(fabs(offer_distance_km(10, 20, -10, -160) - M_PI * EARTH_KM) < 0.01); /* asin near 1 */
	/* Symmetric, and 1 km due north is 1 km. */
	assert_true(fabs(offer_distance_km(44.7, 5.0, 45.1, 4.2) - offer_distance_km(45.1, 4.2, 44.7, 5.0)) < 1e-9);
	assert_true(fabs(offer_distance_km(44.7, 5.0, 44.7 + 1 / (EARTH_KM * RAD), 5.0) - 1) < 1e-9);
}

/* Every point at RADIUS km (and a hair less) from the centre is inside the box; a point just past the box's
 * latitude is farther than RADIUS. */
static void
check_box(double lat, double lon, double radius)
{
	double la0, la1, lo0, lo1;
	bool has_lon;

	offer_bbox(lat, lon, radius, &la0, &la1, &lo0, &lo1, &has_lon);
	assert_true(la0 < lat && lat < la1);
	for (int b = 0; b < 3600; b++) {
		double plat, plon;
		destination(lat, lon, b / 10.0, radius * (1 - 1e-9), &plat, &plon);
		assert_true(offer_distance_km(lat, lon, plat, plon) <= radius);
		assert_true(plat >= la0 && plat <= la1);
		if (has_lon)
			assert_true(plon >= lo0 && plon <= lo1);
	}
	if (la1 < 90)
		assert_true(offer_distance_km(lat, lon, la1 + 1e-6, lon) > radius);
}

static void
test_box_holds_the_circle(void **state)
{
	static const double centres[][2] = { { 0, 0 }, { 44.7284, 5.0224 }, { 48.1113, -1.68 }, { -21.1151, 55.5364 },
		{ 16.2650, -61.5510 }, { 64.1466, -21.9426 }, { 78.2232, 15.6267 }, { -54.8, -68.3 } };
	static const double radii[] = { 0.5, 5, 30, 200, 500 };

	(void)state;
	for (size_t c = 0; c < sizeof(centres) / sizeof(centres[0]); c++)
		for (size_t r = 0; r < sizeof(radii) / sizeof(radii[0]); r++)
			check_box(centres[c][0], centres[c][1], radii[r]);
}

static void
test_box_at_the_edges(void **state)
{
	double la0, la1, lo0, lo1;
	bool has_lon;

	(void)state;
	/* Near a pole the circle takes every longitude: only latitudes bound it. */
	offer_bbox(89.9, 10, 50, &la0, &la1, &lo0, &lo1, &has_lon);
	assert_false(has_lon);
	check_box(89.9, 10, 50);
	/* Across the antimeridian (Fiji) the longitudes wrap: not bounded either. */
	offer_bbox(-17.7, 179.9, 50, &la0, &la1, &lo0, &lo1, &has_lon);
	assert_false(has_lon);
	check_box(-17.7, 179.9, 50);
	/* In France the box is bounded both ways, and narrow. */
	offer_bbox(44.7284, 5.0224, 30, &la0, &la1, &lo0, &lo1, &has_lon);
	assert_true(has_lon);
	assert_true(la1 - la0 < 0.6 && lo1 - lo0 < 0.8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_distances),
		cmocka_unit_test(test_box_holds_the_circle),
		cmocka_unit_test(test_box_at_the_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The webhooks' pure parts: the Standard Webhooks signature (the convention's published example), the addresses a
 * delivery may connect to, the URLs a subscription may name, and the event catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/arena.h"
#include "domain/integrations/webhook.h"

static void
test_signature_example(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	/* The example of the Standard Webhooks specification's reference libraries. */
	assert_string_equal(webhook_sign(a, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
	                        1614265330, "{\"test\": 2432232314}"),
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* The prefix is optional; a changed byte of the body changes the signature. */
	assert_string_equal(webhook_sign(a, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
	                        1614265330, "{\"test\": 2432232314}"),
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_string_not_equal(webhook_sign(a, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	                            "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232315}"),
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	assert_null(webhook_sign(a, "whsec_!!!", "msg_1", 1, "{}"));
	arena_free(a);
}

static bool
v4(const char *text, bool loopback)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, text, &in.sin_addr), 1);
	return webhook_addr_allowed((struct sockaddr *)&in, loopback);
}

static bool
v6(const char *text, bool loopback)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	return webhook_addr_allowed((struct sockaddr *)&in6, loopback);
}

static void
test_addresses(void **state)
{
	static const char *const refused4[] = { "0.0.0.0", "10.1.2.3", "100.64.0.1", "169.254.169.254", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "192.0.2.1", "198.18.0.1", "224.0.0.1", "255.255.255.255" };
	static const char *const refused6[] = { "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1",
		"::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1" };

	(void)state;
	for (size_t i = 0; i < sizeof(refused4) / sizeof(refused4[0]); i++) {
		assert_false(v4(refused4[i], false));
		assert_false(v4(refused4[i], true));
	}
	for (size_t i = 0; i < sizeof(refused6) / sizeof(refused6[0]); i++) {
		assert_false(v6(refused6[i], false));
		assert_false(v6(refused6[i], true));
	}
	assert_false(v4("127.0.0.1", false));
	assert_true(v4("127.0.0.1", true));
	assert_false(v6("::1", false));
	assert_true(v6("::1", true));
	assert_false(v6("::ffff:127.0.0.1", false));
	assert_true(v4("93.184.216.34", false));
	assert_true(v4("172.32.0.1", false));
	assert_true(v6("2a01:e0a::1", false));
}

static void
test_urls(void **state)
{
	(void)state;
	assert_null(webhook_url_problem("https://rh.example.org/hooks/tremplin", false));
	assert_null(webhook_url_problem("https://93.184.216.34:8443/x", false));
	assert_non_null(webhook_url_problem("http://rh.example.org/hooks", false));
	assert_non_null(webhook_url_problem("ftp://rh.example.org/hooks", false));
	assert_non_null(webhook_url_problem("https://10.0.0.5/hooks", false));
	assert_non_null(webhook_url_problem("https://[fd00::1]/hooks", false));
	assert_non_null(webhook_url_problem("https://127.0.0.1/hooks", false));
	assert_non_null(webhook_url_problem("https://localhost/hooks", false));
	assert_non_null(webhook_url_problem("https://user:pw@rh.example.org/hooks", false));
	assert_non_null(webhook_url_problem("pas une adresse", false));
	/* The tests' setting: loopback and plain http, nothing else private. */
	assert_null(webhook_url_problem("http://127.0.0.1:8080/hooks", true));
	assert_null(webhook_url_problem("http://[::1]:8080/hooks", true));
	assert_non_null(webhook_url_problem("http://192.168.0.10/hooks", true));
	assert_non_null(webhook_url_problem("http://169.254.169.254/latest/meta-data", true));
}

static void
test_catalogue(void **state)
{
	json_t *c = webhook_catalogue(), *f;
	size_t i;
	bool dossier = false, batch = false;

	(void)state;
	json_array_foreach(c, i, f)
	{
		const char *code = json_string_value(json_object_get(f, "code"));
		assert_true(json_array_size(json_object_get(f, "actions")) > 0);
		dossier |= strcmp(code, "dossier") == 0;
		batch |= strcmp(code, "activity_batch") == 0;
	}
	assert_true(dossier && batch);
	json_decref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_example),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_catalogue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* tests/forward/test-forward.c: the pure parts of forwarding: backoff with
 * jitter, Retry-After, Sentry's rate-limit header, the DSN, the auth
 * header, the envelope's layout, name masking, and when webhooks fire and
 * what they say (daemon/forward.c, sentry-envelope.c, webhook.c). The
 * whole path, with a real receiver, is run-forward.py's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "forward.h"
#include "sentry-envelope.h"
#include "symbolicate.h"
#include "webhook.h"

static void test_backoff(void **state) {
        (void) state;
        /* Equal jitter: between half and all of 2^(n-1) s. */
        for (unsigned a = 1; a <= 40; a++) {
                uint64_t full = a - 1 < 20 ? UINT64_C(1000) << (a - 1) : UINT64_MAX;
                uint64_t cap = (uint64_t) FORWARD_BACKOFF_MAX_S * 1000;
                uint64_t lo, hi;

                if (full > cap)
                        full = cap;
                lo = forward_backoff_ms(a, 0);
                hi = forward_backoff_ms(a, UINT32_MAX - 1);
                assert_true(lo == full / 2);
                assert_true(hi >= lo && hi <= full);
                for (uint32_t r = 1; r < 100000; r += 7919)
                        assert_true(forward_backoff_ms(a, r) >= full / 2 && forward_backoff_ms(a, r) <= full);
        }
        assert_int_equal(forward_backoff_ms(1, 0), 500);
        assert_int_equal(forward_backoff_ms(0, 0), 500);
        assert_int_equal(forward_backoff_ms(3, 0), 2000);
}

static void test_retry_after(void **state) {
        uint64_t s = 0;

        (void) state;
        assert_int_equal(forward_parse_retry_after("2", 0, &s), 0);
        assert_int_equal(s, 2);
        assert_int_equal(forward_parse_retry_after(" 120 ", 0, &s), 0);
        assert_int_equal(s, 120);
        /* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example). */
        assert_int_equal(forward_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30, &s), 0);
        assert_int_equal(s, 30);
        assert_int_equal(forward_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30, &s), 0);
        assert_int_equal(s, 0);
        assert_int_equal(forward_parse_retry_after("soon", 0, &s), -EINVAL);
        assert_int_equal(forward_parse_retry_after("-1", 0, &s), -EINVAL);
        assert_int_equal(forward_parse_retry_after("5x", 0, &s), -EINVAL);
        assert_int_equal(forward_parse_retry_after(NULL, 0, &s), -EINVAL);
}

static void test_rate_limits(void **state) {
        uint64_t e, a;

        (void) state;
        sentry_parse_rate_limits("60:error;attachment:organization:quota_exceeded", &e, &a);
        assert_int_equal(e, 60);
        assert_int_equal(a, 60);
        sentry_parse_rate_limits("60:transaction:key, 2700:attachment:organization", &e, &a);
        assert_int_equal(e, 0);
        assert_int_equal(a, 2700);
        /* No categories: all of them. */
        sentry_parse_rate_limits("30::organization", &e, &a);
        assert_int_equal(e, 30);
        assert_int_equal(a, 30);
        sentry_parse_rate_limits("10:error:key, 20:error:project", &e, &a);
        assert_int_equal(e, 20);
        assert_int_equal(a, 0);
        sentry_parse_rate_limits("garbage, :error, x:error, 5", &e, &a);
        assert_int_equal(e, 0);
        assert_int_equal(a, 0);
        sentry_parse_rate_limits("", &e, &a);
        assert_int_equal(e + a, 0);
        sentry_parse_rate_limits(NULL, &e, &a);
        assert_int_equal(e + a, 0);
}

static void test_dsn(void **state) {
        char *url = NULL, *key = NULL, *auth = NULL;

        (void) state;
        assert_int_equal(sentry_dsn_parse("https://abc123@o1.ingest.sentry.io/4505", &url, &key), 0);
        assert_string_equal(url, "https://o1.ingest.sentry.io/api/4505/envelope/");
        assert_string_equal(key, "abc123");
        free(url);
        free(key);
        assert_int_equal(sentry_dsn_parse("http://k:secret@127.0.0.1:9000/sentry/7", &url, &key), 0);
        assert_string_equal(url, "http://127.0.0.1:9000/sentry/api/7/envelope/");
        assert_string_equal(key, "k");
        assert_int_equal(sentry_auth_header(key, &auth), 0);
        assert_string_equal(auth, "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=k, sentry_client=crashd/" CRASHD_VERSION);
        free(url);
        free(key);
        free(auth);
        {
                const char *bad[] = { "", "ftp://k@h/1", "https://h/1", "https://@h/1", "https://k@h",
                                      "https://k@h/", "https://k@/1", "https://k@h/a b", "https://k@h/1?x=1" };
                for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                        url = key = NULL;
                        assert_int_equal(sentry_dsn_parse(bad[i], &url, &key), -EINVAL);
                        assert_null(url);
                }
        }
        assert_int_equal(sentry_auth_header("k, sentry_key=evil", &auth), -EINVAL);
}

static void test_envelope(void **state) {
        const char *ev = "{\"event_id\":\"0123456789abcdef0123456789abcdef\",\"level\":\"fatal\"}";
        const unsigned char md[] = { 'M', 'D', 'M', 'P', 0, '\n', 1, 2 };
        char *buf = NULL, *p, *nl;
        size_t len = 0;
        json_t *h;

        (void) state;
        assert_int_equal(sentry_envelope_build("https://k@h/1", "0123456789abcdef0123456789abcdef", ev, strlen(ev),
                                               md, sizeof(md), "a.dmp", UINT64_C(1795330811413264921), &buf, &len),
                         0);
        /* Header line. */
        nl = memchr(buf, '\n', len);
        assert_non_null(nl);
        h = json_loadb(buf, (size_t) (nl - buf), 0, NULL);
        assert_non_null(h);
        assert_string_equal(json_string_value(json_object_get(h, "event_id")), "0123456789abcdef0123456789abcdef");
        assert_string_equal(json_string_value(json_object_get(h, "dsn")), "https://k@h/1");
        assert_string_equal(json_string_value(json_object_get(h, "sent_at")), "2026-11-22T07:00:11.413Z");
        json_decref(h);
        /* The event item: a header without length, the event on one line. */
        p = nl + 1;
        nl = memchr(p, '\n', len - (size_t) (p - buf));
        h = json_loadb(p, (size_t) (nl - p), 0, NULL);
        assert_string_equal(json_string_value(json_object_get(h, "type")), "event");
        assert_null(json_object_get(h, "length"));
        json_decref(h);
        p = nl + 1;
        assert_memory_equal(p, ev, strlen(ev));
        assert_int_equal(p[strlen(ev)], '\n');
        /* The attachment: its length, then exactly those bytes. */
        p += strlen(ev) + 1;
        nl = memchr(p, '\n', len - (size_t) (p - buf));
        h = json_loadb(p, (size_t) (nl - p), 0, NULL);
        assert_string_equal(json_string_value(json_object_get(h, "type")), "attachment");
        assert_string_equal(json_string_value(json_object_get(h, "attachment_type")), "event.minidump");
        assert_string_equal(json_string_value(json_object_get(h, "filename")), "a.dmp");
        assert_int_equal(json_integer_value(json_object_get(h, "length")), sizeof(md));
        json_decref(h);
        p = nl + 1;
        assert_memory_equal(p, md, sizeof(md));
        assert_int_equal((size_t) (p - buf) + sizeof(md) + 1, len);
        free(buf);

        /* Without a minidump: two lines of headers and the event. */
        assert_int_equal(sentry_envelope_build("https://k@h/1", "0123456789abcdef0123456789abcdef", ev, strlen(ev),
                                               NULL, 0, NULL, 0, &buf, &len), 0);
        assert_null(strstr(buf, "attachment"));
        free(buf);
        /* An event with a raw newline would break the item: refused. */
        assert_int_equal(sentry_envelope_build("https://k@h/1", "0123456789abcdef0123456789abcdef", "{\n}", 3, NULL,
                                               0, NULL, 0, &buf, &len), -EINVAL);
}

static void test_mask(void **state) {
        (void) state;
        assert_true(symb_name_masked("api_token", symb_default_mask));
        assert_true(symb_name_masked("SESSION_COOKIE", symb_default_mask));
        assert_true(symb_name_masked("Authorization", symb_default_mask));
        assert_false(symb_name_masked("tax_rate", symb_default_mask));
        assert_false(symb_name_masked("release", symb_default_mask));
        assert_false(symb_name_masked(NULL, symb_default_mask));
        assert_false(symb_name_masked("password", NULL));
        assert_false(symb_name_masked("password", (const char *const[]) { "", NULL }));
}

static void test_webhook_decide(void **state) {
        const uint64_t s = UINT64_C(1000000000);

        (void) state;
        assert_int_equal(webhook_decide(1, 0, 100 * s, 7 * 86400), WEBHOOK_NEW);
        assert_int_equal(webhook_decide(2, 99 * s, 100 * s, 1), WEBHOOK_REGRESSION);
        assert_int_equal(webhook_decide(2, 99 * s + 1, 100 * s, 1), WEBHOOK_NONE);
        assert_int_equal(webhook_decide(5, 1 * s, 100 * s, 7 * 86400), WEBHOOK_NONE);
        assert_int_equal(webhook_decide(5, 1 * s, 8 * 86400 * s, 7 * 86400), WEBHOOK_REGRESSION);
        assert_int_equal(webhook_decide(5, 1 * s, 8 * 86400 * s, 0), WEBHOOK_NONE);      /* 0: never */
        assert_int_equal(webhook_decide(5, 0, 100 * s, 1), WEBHOOK_NONE);                /* unknown before */
        assert_int_equal(webhook_decide(5, 200 * s, 100 * s, 1), WEBHOOK_NONE);          /* clock went back */
}

static void test_webhook_body(void **state) {
        const uint64_t s = UINT64_C(1000000000);
        struct webhook_crash c = {
                .kind = WEBHOOK_REGRESSION, .signature = "charge | checkout | process", .program = "crashme",
                .executable = "/usr/bin/crashme", .hostname = "web-1", .report_id = 7, .group_id = 3, .signo = 11,
                .pid = 4242, .uid = 1000, .count = 5, .first_seen_ns = 1000 * s, .last_seen_ns = 1000 * s + 3 * 86400 * s,
                .prev_seen_ns = 1000 * s,
        };
        char *body = NULL;
        size_t len = 0;
        json_t *o;

        (void) state;
        assert_int_equal(webhook_body(&c, &body, &len), 0);
        o = json_loadb(body, len, 0, NULL);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "event")), "regression");
        assert_string_equal(json_string_value(json_object_get(o, "signature")), "charge | checkout | process");
        assert_string_equal(json_string_value(json_object_get(o, "summary")),
                            "crashme (pid 4242) SIGSEGV in charge | checkout | process");
        assert_string_equal(json_string_value(json_object_get(o, "text")),
                            "Crash is back in crashme on web-1 after 3 days: crashme (pid 4242) SIGSEGV in charge | "
                            "checkout | process (crash 7, group 3, seen 5 times)");
        assert_int_equal(json_integer_value(json_object_get(o, "count")), 5);
        assert_int_equal(json_integer_value(json_object_get(o, "report_id")), 7);
        assert_string_equal(json_string_value(json_object_get(o, "first_seen")), "1970-01-01T00:16:40Z");
        json_decref(o);
        free(body);

        c.kind = WEBHOOK_NEW;
        c.program = NULL;
        c.hostname = NULL;
        c.signo = 0;
        assert_int_equal(webhook_body(&c, &body, &len), 0);
        o = json_loadb(body, len, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(o, "text")),
                            "New crash in ?: ? (pid 4242) a requested dump in charge | checkout | process (crash 7, group 3)");
        assert_true(json_is_null(json_object_get(o, "program")) || !json_object_get(o, "program"));
        json_decref(o);
        free(body);

        c.kind = WEBHOOK_NONE;
        assert_int_equal(webhook_body(&c, &body, &len), -EINVAL);
}

/* The forwarding keys: comma lists keep URLs whole, the mask default is
 * the symbolicator's list. */
static void test_config(void **state) {
        struct daemon_config c;
        char err[256];
        size_t n = 0;

        (void) state;
        assert_int_equal(config_init(&c), 0);
        for (; c.mask_names[n]; n++)
                assert_string_equal(c.mask_names[n], symb_default_mask[n]);
        assert_null(symb_default_mask[n]);
        assert_null(c.webhook_urls[0]);
        assert_string_equal(c.sentry_dsn, "");
        assert_int_equal(c.webhook_quiet_period_s, 7 * 86400);
        assert_int_equal(c.forward_queue_max, 10000);
        assert_int_equal(c.forward_timeout_s, 30);
        assert_false(c.sentry_attach_minidump);
        assert_int_equal(config_set(&c, "webhook_url", " https://h:8443/a?x=1 ,, http://h/b ", err, sizeof(err)), 0);
        assert_string_equal(c.webhook_urls[0], "https://h:8443/a?x=1");
        assert_string_equal(c.webhook_urls[1], "http://h/b");
        assert_null(c.webhook_urls[2]);
        assert_int_equal(config_set(&c, "mask_names", "", err, sizeof(err)), 0);
        assert_null(c.mask_names[0]);
        assert_int_equal(config_set(&c, "forward_queue_max", "0", err, sizeof(err)), -EINVAL);
        assert_int_equal(config_set(&c, "webhook_quiet_period", "1s", err, sizeof(err)), 0);
        assert_int_equal(c.webhook_quiet_period_s, 1);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_rate_limits),
                cmocka_unit_test(test_dsn),
                cmocka_unit_test(test_envelope),
                cmocka_unit_test(test_mask),
                cmocka_unit_test(test_webhook_decide),
                cmocka_unit_test(test_webhook_body),
                cmocka_unit_test(test_config),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-host.c: the host stream (PROTO_STREAM_HOST) read
 * back: the systemd unit and slice from the cgroup paths systemd makes,
 * containers from the names their runtimes give cgroups and the marks
 * they leave, and hostile text that must give NULLs, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host.h"

static struct symb_host get(const char *text, size_t n) {
        struct proto_dump d;
        struct symb_host h;

        memset(&d, 0, sizeof(d));
        d.host.data = (const uint8_t *) text;
        d.host.size = n;
        assert_true(symb_host_get(&d, &h));
        return h;
}

#define GET(s) get(s, sizeof(s) - 1)

static void assert_str(const char *got, const char *want) {
        if (!want)
                assert_null(got);
        else {
                assert_non_null(got);
                assert_string_equal(got, want);
        }
}

static void test_absent(void **state) {
        struct proto_dump d;
        struct symb_host h;

        (void) state;
        memset(&d, 0, sizeof(d));
        assert_false(symb_host_get(&d, &h));
        assert_null(h.hostname);
        assert_null(h.unit);
        symb_host_done(&h);
}

static void test_system_service(void **state) {
        struct symb_host h = GET("hostname=web-1\nkernel_release=6.1.0-18-amd64\nmachine_id=0123\nboot_id=b-1\n"
                                 "cgroup=0::/system.slice/nginx.service\n");

        (void) state;
        assert_str(h.hostname, "web-1");
        assert_str(h.kernel_release, "6.1.0-18-amd64");
        assert_str(h.machine_id, "0123");
        assert_str(h.boot_id, "b-1");
        assert_str(h.cgroup, "/system.slice/nginx.service");
        assert_str(h.unit, "nginx.service");
        assert_str(h.slice, "system.slice");
        assert_null(h.user_unit);
        assert_null(h.container);
        symb_host_done(&h);
}

static void test_user_unit(void **state) {
        struct symb_host h = GET("cgroup=0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
                                 "app-gnome-firefox-2345.scope\n");

        (void) state;
        assert_str(h.unit, "user@1000.service");
        assert_str(h.slice, "user-1000.slice");
        assert_str(h.user_unit, "app-gnome-firefox-2345.scope");
        symb_host_done(&h);
}

static void test_docker_scope(void **state) {
        struct symb_host h = GET("cgroup=0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef"
                                 "0123456789abcdef.scope\n");

        (void) state;
        assert_str(h.container, "docker");
        assert_str(h.container_id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assert_str(h.unit, "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope");
        symb_host_done(&h);
}

static void test_cgroup_v1(void **state) {
        /* A v1 host: systemd's hierarchy names the unit, the memory one a
         * cgroupfs-driver container. */
        struct symb_host h = GET("cgroup=4:memory:/docker/aaaaaaaaaaaabbbbbbbbbbbb\n"
                                 "cgroup=1:name=systemd:/system.slice/containerd.service\ncgroup=0::/\n");

        (void) state;
        assert_str(h.cgroup, "/system.slice/containerd.service");
        assert_str(h.unit, "containerd.service");
        assert_str(h.container, "docker");
        assert_str(h.container_id, "aaaaaaaaaaaabbbbbbbbbbbb");
        symb_host_done(&h);
}

static void test_other_runtimes(void **state) {
        struct {
                const char *text, *runtime, *id, *name;
        } cases[] = {
                { "cgroup=0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
                  "cri-containerd-abcdefabcdef1234.scope\n", "containerd", "abcdefabcdef1234", NULL },
                { "cgroup=0::/machine.slice/libpod-fedcba9876543210.scope/container\n", "podman", "fedcba9876543210", NULL },
                { "containerenv=engine=\"podman-4.3.1\"\ncontainerenv=name=\"shop\"\ncontainerenv=id=\"77\"\n", "podman",
                  "77", "shop" },
                { "cgroup=0::/machine.slice/systemd-nspawn@deb12.service/payload\n", "systemd-nspawn", NULL, "deb12" },
                { "cgroup=0::/lxc.payload.web/init.scope\n", "lxc", NULL, "web" },
                { "dockerenv=1\ncgroup=0::/\n", "docker", NULL, NULL },
                /* Names that only look like runtimes' are not containers. */
                { "cgroup=0::/system.slice/docker-compose.service\n", NULL, NULL, NULL },
                { "cgroup=0::/system.slice/docker.service\n", NULL, NULL, NULL },
        };

        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct symb_host h = get(cases[i].text, strlen(cases[i].text));

                assert_str(h.container, cases[i].runtime);
                assert_str(h.container_id, cases[i].id);
                assert_str(h.container_name, cases[i].name);
                symb_host_done(&h);
        }
}

static void test_hostile(void **state) {
        static const char nul[] = "hostname=a\0b\ncgroup=0::/x.slice/y.service";
        static const char junk[] = "=\n==\nhostname\ncgroup=\ncgroup=0:\ncgroup=:::\nboot_id=";
        char *big = malloc(100000);
        struct symb_host h;

        (void) state;
        /* A line with a NUL is dropped whole; the last line needs no newline. */
        h = get(nul, sizeof(nul) - 1);
        assert_null(h.hostname);
        assert_str(h.unit, "y.service");
        symb_host_done(&h);

        h = get(junk, sizeof(junk) - 1);
        assert_null(h.hostname);
        assert_null(h.unit);
        assert_str(h.boot_id, "");
        symb_host_done(&h);

        /* One long path of slices: bounded work, no unit. */
        assert_non_null(big);
        memcpy(big, "cgroup=0::", 10);
        for (size_t i = 10; i < 99990; i += 2)
                memcpy(big + i, "/a", 2);
        h = get(big, 99990);
        assert_null(h.unit);
        assert_null(h.container);
        symb_host_done(&h);
        free(big);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_absent),        cmocka_unit_test(test_system_service),
                cmocka_unit_test(test_user_unit),     cmocka_unit_test(test_docker_scope),
                cmocka_unit_test(test_cgroup_v1),     cmocka_unit_test(test_other_runtimes),
                cmocka_unit_test(test_hostile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

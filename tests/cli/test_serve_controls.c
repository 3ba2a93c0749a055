/*
 * test_serve_controls.c - the workshop page's controls: every control of
 * every shipped scenario names a path the loader knows, and its value,
 * sent back as `--set PATH=VALUE`, leaves the scenario exactly as it was
 * (the printed normalised YAML is byte-identical). So the page offers
 * nothing the loader would refuse, and an untouched control changes
 * nothing.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scn_load.h"
#include "scn_print.h"
#include "serve_controls.h"
#include "sim_alloc.h"

/* The normalised text of the scenario at path (NULL: the default) with
 * sets; fails the test on a problem. */
static char *printed(const char *path, const char *const *sets, int nsets)
{
    scn_load_opts o = {.sets = sets, .nsets = nsets};
    mdl_scenario sc;
    scn_diag d;
    scn_diag_init(&d);
    int rc = path ? scn_load_file(path, &o, &sc, &d) : scn_load_default(&o, &sc, &d);
    if (rc != SIM_OK) {
        char buf[512];
        fail_msg("%s: %s", path ? path : "default",
                 d.count ? scn_diag_format(&d.items[0], buf, sizeof buf) : "?");
    }
    scn_diag_fini(&d);
    char *text = scn_print_yaml(&sc, NULL, NULL, NULL);
    assert_non_null(text);
    mdl_scenario_fini(&sc);
    return text;
}

static void check_scenario(const char *path)
{
    mdl_scenario sc;
    scn_diag d;
    scn_diag_init(&d);
    int rc = path ? scn_load_file(path, NULL, &sc, &d) : scn_load_default(NULL, &sc, &d);
    assert_int_equal(rc, SIM_OK);
    scn_diag_fini(&d);
    json_t *controls = serve_controls(&sc);
    mdl_scenario_fini(&sc);
    assert_non_null(controls);
    size_t n = json_array_size(controls);
    assert_true(n >= 3); /* load, horizon, replications at least */
    static char sets[256][320];
    const char *ptrs[256];
    assert_true(n <= 256);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(controls, i);
        const char *p = json_string_value(json_object_get(c, "path"));
        const char *v = json_string_value(json_object_get(c, "value"));
        assert_non_null(p);
        assert_non_null(v);
        snprintf(sets[i], sizeof sets[i], "%s=%s", p, v);
        ptrs[i] = sets[i];
    }
    json_decref(controls);
    char *before = printed(path, NULL, 0);
    char *after = printed(path, ptrs, (int)n);
    if (strcmp(before, after))
        fail_msg("%s: the controls' own values change the scenario", path ? path : "default");
    sim_free(before);
    sim_free(after);
}

static void every_control_sends_back_the_scenario_unchanged(void **state)
{
    (void)state;
    check_scenario(NULL);
    DIR *dir = opendir("scenarios");
    assert_non_null(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "scenarios/%s", e->d_name);
        check_scenario(path);
        files++;
    }
    closedir(dir);
    assert_true(files >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_control_sends_back_the_scenario_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * plt_gnuplot.c - running gnuplot; see plt_gnuplot.h.
 *
 * gnuplot reads the script from a temporary file (not a pipe): nothing can
 * dead-lock on a full pipe, and its messages go to a temporary log file
 * that is read only when it fails. Both are removed before returning.
 *
 * A gnuplot that never finishes (a broken font setup, a terminal waiting
 * for input) must not hang erpsim: it is given PLT_GNUPLOT_TIMEOUT_S
 * seconds ($ERPSIM_GNUPLOT_TIMEOUT overrides it), then killed, and the
 * chart is reported as not drawn. The wait polls waitpid with short
 * sleeps (1 ms growing to 20 ms), so a normal chart is not slowed down
 * and no signal handler is needed (library code must not install one).
 */
#include "plt_gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plt_file.h"
#include "sim_alloc.h"
#include "sim_text.h"

extern char **environ;

const char *plt_gnuplot_template(const char *name)
{
    for (int i = 0; i < plt_ntemplates; i++)
        if (!strcmp(plt_templates[i].name, name))
            return plt_templates[i].text;
    return NULL;
}

const char *plt_gnuplot_find(char *buf, size_t n)
{
    const char *env = getenv("ERPSIM_GNUPLOT");
    if (env) {
        if (!env[0] || access(env, X_OK) != 0)
            return NULL;
        snprintf(buf, n, "%s", env);
        return buf;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        if (len > 0 && len + 9 < n) {
            snprintf(buf, n, "%.*s/gnuplot", (int)len, path);
            if (access(buf, X_OK) == 0)
                return buf;
        }
        path += len + (end ? 1 : 0);
    }
    return NULL;
}

void plt_gnuplot_quote(plt_buf *b, const char *s)
{
    char piece[SIM_TEXT_PIECE];
    plt_buf_put(b, "'", 1);
    while (s && *s) {
        if (*s == '\'') {
            plt_buf_put(b, "''", 2);
            s++;
            continue;
        }
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
    plt_buf_put(b, "'", 1);
}

/* The line of gnuplot's log that says what went wrong: the first one
 * naming a script line ("\"x.gp\" line 12: undefined variable: N") that is
 * not a warning (a warning does not stop gnuplot; the error after it does),
 * else the last non-empty line. */
static void first_error(const char *log, char *out, size_t n)
{
    snprintf(out, n, "%s", "no message");
    for (const char *line = log; line && *line;) {
        const char *end = strchr(line, '\n');
        int len = (int)(end ? (size_t)(end - line) : strlen(line));
        const char *at = strstr(line, " line "), *warn = strstr(line, ": warning:");
        if (len > 0)
            snprintf(out, n, "%.*s", len, line);
        if (len > 0 && at && at < line + len && !(warn && warn < line + len))
            return;
        line = end ? end + 1 : NULL;
    }
}

double plt_gnuplot_timeout(void)
{
    const char *env = getenv("ERPSIM_GNUPLOT_TIMEOUT");
    if (env && *env) {
        char *end;
        double t = strtod(env, &end);
        if (end != env && *end == '\0' && t > 0 && t <= 86400)
            return t;
    }
    return PLT_GNUPLOT_TIMEOUT_S;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waits for pid up to timeout_s seconds. Returns 1 with *status set when
 * it ended, 0 when the time ran out, -1 (errno set) when it was lost. */
static int wait_for(pid_t pid, double timeout_s, int *status)
{
    double deadline = now_s() + timeout_s;
    long nap_ns = 1000000; /* 1 ms, doubling up to 20 ms */
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_s() >= deadline)
            return 0;
        struct timespec nap = {0, nap_ns};
        nanosleep(&nap, NULL);
        nap_ns = nap_ns * 2 > 20000000 ? 20000000 : nap_ns * 2;
    }
}

static int spawn_and_wait(const char *gnuplot, const char *script, const char *log, sim_err *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "cannot start gnuplot: out of memory");
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = 0;
    char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
    if (rc == 0)
        rc = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot start %s: %s", gnuplot, strerror(rc));
    int status = 0;
    double timeout = plt_gnuplot_timeout();
    int ended = wait_for(pid, timeout, &status);
    if (ended < 0)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "lost gnuplot: %s", strerror(errno));
    if (ended == 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        return sim_err_set(err, SIM_EIO, NULL, 0, 0,
                           "gnuplot did not finish within %g s and was stopped "
                           "(ERPSIM_GNUPLOT_TIMEOUT sets the limit in seconds)",
                           timeout);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return SIM_OK;
    char *text = plt_file_read(log, NULL, NULL);
    char line[200];
    first_error(text, line, sizeof line);
    sim_free(text);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(line, sizeof line, "could not run %s", gnuplot);
    return sim_err_set(err, SIM_EIO, NULL, 0, 0, "gnuplot failed: %s", line);
}

static void preamble(plt_buf *b, int format, const char *out, int width, int height)
{
    plt_buf_puts(b, "reset\n");
    if (format == PLT_PNG)
        plt_buf_printf(b,
                       "set terminal pngcairo size %d,%d font \"DejaVu Sans,11\" "
                       "background rgb \"white\"\n",
                       width, height);
    else
        plt_buf_printf(b,
                       "set terminal svg size %d,%d dynamic font \"Helvetica,14\" "
                       "background rgb \"white\"\n",
                       width, height);
    plt_buf_puts(b, "set output ");
    plt_gnuplot_quote(b, out);
    plt_buf_printf(b, "\nFORMAT = '%s'\n", format == PLT_PNG ? "png" : "svg");
}

/* 1 when the chart file gnuplot wrote is whole: a PNG ends with its IEND
 * chunk, an SVG with </svg>. gnuplot exits 0 even when the disk filled up
 * under it (checked: on a full tmpfs it leaves a cut PNG and an empty
 * SVG), so its exit status alone does not say the chart is there. */
static int complete(const char *path, int format)
{
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    unsigned char tail[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof tail ? size - (off_t)sizeof tail : 0;
    ssize_t n = size > 0 ? pread(fd, tail, (size_t)(size - from), from) : 0;
    close(fd);
    if (n <= 0 || n != size - from)
        return 0;
    if (format == PLT_PNG)
        return n >= 12 && !memcmp(tail + n - 12, iend, 12);
    for (ssize_t i = 0; i + 6 <= n; i++)
        if (!memcmp(tail + i, "</svg>", 6))
            return 1;
    return 0;
}

int plt_gnuplot_draw(const char *gnuplot, const char *dir, const char *name, const char *tmpl,
                     const char *vars, int width, int height, int formats, sim_err *err)
{
    static const int fmts[] = {PLT_PNG, PLT_SVG};
    static const char *const exts[] = {".png", ".svg"};
    const char *common = plt_gnuplot_template("common.gp");
    const char *body = plt_gnuplot_template(tmpl);
    if (!common || !body)
        return sim_err_set(err, SIM_EINTERNAL, NULL, 0, 0, "chart template %s is not built in",
                           body ? "common.gp" : tmpl);
    if (!sim_text_is_plain(dir) || !sim_text_is_plain(name))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "cannot draw %s: its folder name has a control character or bytes "
                           "that are not UTF-8",
                           name);
    int rc = plt_file_mkdirs(dir, err);
    if (rc != SIM_OK)
        return rc;
    char *final[2] = {NULL, NULL}, *tmp[2] = {NULL, NULL}, *script = NULL, *log = NULL;
    char leaf[300];
    plt_buf b;
    plt_buf_init(&b);
    snprintf(leaf, sizeof leaf, "%s.gp", name);
    char *script_final = plt_file_join(dir, leaf);
    snprintf(leaf, sizeof leaf, "%s.log", name);
    char *log_final = plt_file_join(dir, leaf);
    script = script_final ? plt_file_temp_name(script_final) : NULL;
    log = log_final ? plt_file_temp_name(log_final) : NULL;
    rc = script && log ? SIM_OK : SIM_ENOMEM;
    for (int i = 0; i < 2 && rc == SIM_OK; i++) {
        if (!(formats & fmts[i]))
            continue;
        snprintf(leaf, sizeof leaf, "%s%s", name, exts[i]);
        final[i] = plt_file_join(dir, leaf);
        tmp[i] = final[i] ? plt_file_temp_name(final[i]) : NULL;
        if (!tmp[i]) {
            rc = SIM_ENOMEM;
            break;
        }
        preamble(&b, fmts[i], tmp[i], width, height);
        plt_buf_puts(&b, vars ? vars : "");
        plt_buf_puts(&b, "\n");
        plt_buf_puts(&b, common);
        plt_buf_puts(&b, "\n");
        plt_buf_puts(&b, body);
        plt_buf_puts(&b, "\nunset output\n");
    }
    if (rc == SIM_ENOMEM || b.failed) {
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory drawing %s", name);
        goto done;
    }
    /* O_CLOEXEC: charts are drawn concurrently, and a gnuplot started
     * meanwhile must not inherit this file */
    int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len) {
        rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot write %s: %s", script, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    close(fd);
    rc = spawn_and_wait(gnuplot, script, log, err);
    for (int i = 0; i < 2 && rc == SIM_OK; i++)
        if (tmp[i] && !complete(tmp[i], fmts[i]))
            rc = sim_err_set(err, SIM_EIO, NULL, 0, 0,
                             "gnuplot left %s%s incomplete (is the disk full?)", name, exts[i]);
    for (int i = 0; i < 2 && rc == SIM_OK; i++)
        if (tmp[i])
            rc = plt_file_commit(tmp[i], final[i], err);
done:
    for (int i = 0; i < 2; i++) {
        if (tmp[i])
            unlink(tmp[i]); /* after a commit this finds nothing */
        sim_free(tmp[i]);
        sim_free(final[i]);
    }
    if (script)
        unlink(script);
    if (log)
        unlink(log);
    sim_free(script);
    sim_free(log);
    sim_free(script_final);
    sim_free(log_final);
    plt_buf_fini(&b);
    return rc;
}

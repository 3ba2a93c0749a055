/*
 * plt_folder.c - a results folder replaced whole; see plt_folder.h.
 *
 * Names beside DIR (NAME its last component):
 *   .NAME.erpsim-tmp.HOST.PID   the staging folder of process PID on HOST
 *   .NAME.erpsim-old.HOST.PID   the old DIR during a rename-based swap
 * HOST is the host name reduced to [A-Za-z0-9-], so that two machines
 * writing results onto one shared drive never take each other's folders
 * for leftovers: only a folder of this host whose PID is not running
 * (kill(PID, 0) fails with ESRCH) is a leftover.
 */
#define _GNU_SOURCE /* renameat2 and RENAME_EXCHANGE (Linux); nftw */

#include "plt_folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "plt_file.h"
#include "sim_alloc.h"
#include "sim_text.h"

/* Names erpsim writes into a results folder (folders from before the
 * marker are recognised by holding nothing else). */
static const char *const known[] = {PLT_FOLDER_MARKER, "summary.txt", "results.json", "metrics.csv",
                                    "series",          "charts",      "report.html",  "report.md",
                                    "sweep.csv",       "compare.csv", "plan.json",    "plan.csv"};

static int is_known(const char *name)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(name, known[i]))
            return 1;
    size_t n = strlen(name); /* a temporary file of plt_file.h: .NAME.tmp */
    return name[0] == '.' && n > 5 && !strcmp(name + n - 4, ".tmp");
}

static void host_name(char *out, size_t n)
{
    char h[256] = "";
    if (gethostname(h, sizeof h - 1) != 0 || !h[0])
        snprintf(h, sizeof h, "localhost");
    size_t k = 0;
    for (const char *p = h; *p && k + 1 < n; p++)
        out[k++] =
            ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
                ? *p
                : '-';
    out[k] = '\0';
}

/* "PARENT/.BASE.erpsim-KIND.HOST.PID" for final = "PARENT/BASE". */
static char *side_name(const char *final, const char *kind, long pid)
{
    const char *slash = strrchr(final, '/');
    size_t nd = slash ? (size_t)(slash - final) + 1 : 0;
    char host[64];
    host_name(host, sizeof host);
    size_t n = strlen(final) + strlen(kind) + strlen(host) + 64;
    char *p = sim_malloc(n);
    if (p)
        snprintf(p, n, "%.*s.%s.erpsim-%s.%s.%ld", (int)nd, final, final + nd, kind, host, pid);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes path and everything under it, never following a symbolic link
 * nor crossing into another file system. */
static int remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* The folder and last name of path, without trailing slashes. */
static char *parent_of(const char *path)
{
    char *p = sim_strdup(path);
    if (!p)
        return NULL;
    char *slash = strrchr(p, '/');
    if (!slash) {
        sim_free(p);
        return sim_strdup(".");
    }
    if (slash == p)
        slash[1] = '\0';
    else
        *slash = '\0';
    return p;
}

/* Removes the leftovers of dead processes of this host beside final; puts
 * an -old folder back when final is missing. */
static void clean_leftovers(const char *final)
{
    char *parent = parent_of(final);
    const char *slash = strrchr(final, '/');
    const char *base = slash ? slash + 1 : final;
    char host[64], prefix[PATH_MAX];
    host_name(host, sizeof host);
    snprintf(prefix, sizeof prefix, ".%s.erpsim-", base);
    DIR *d = parent ? opendir(parent) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, prefix, strlen(prefix)) != 0)
            continue;
        const char *kind = n + strlen(prefix), *rest;
        int old = !strncmp(kind, "old.", 4);
        if (!old && strncmp(kind, "tmp.", 4) != 0)
            continue;
        rest = kind + 4;
        size_t nh = strlen(host);
        if (strncmp(rest, host, nh) != 0 || rest[nh] != '.')
            continue;
        char *end;
        long pid = strtol(rest + nh + 1, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *path = plt_file_join(parent, n);
        if (!path)
            break;
        if (!(old && rename(path, final) == 0))
            remove_tree(path);
        sim_free(path);
    }
    if (d)
        closedir(d);
    sim_free(parent);
}

/* SIM_OK when dir may be replaced (see plt_folder.h), else SIM_EINVAL. */
static int ours(const char *dir, const char *shown, sim_err *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        return sim_err_set(err, e == ENOMEM ? SIM_ENOMEM : SIM_EINVAL, NULL, 0, 0,
                           "cannot read the folder %s: %s", shown, strerror(e));
    }
    char stranger[256] = "";
    int marked = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        marked |= !strcmp(e->d_name, PLT_FOLDER_MARKER);
        if (!is_known(e->d_name) && !stranger[0])
            sim_text_visible(e->d_name, stranger, sizeof stranger);
    }
    closedir(d);
    if (marked || !stranger[0])
        return SIM_OK;
    return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                       "%s is not an erpsim results folder (it holds %s, which erpsim did not "
                       "write): erpsim replaces its output folder whole, so choose a new or "
                       "empty folder",
                       shown, stranger);
}

/* The status for a failed mkdir/open beside the folder: the disk (EIO)
 * or the place (EINVAL: no permission, read-only). */
static int status_of(int e)
{
    return e == ENOSPC || e == EIO || e == EDQUOT || e == EMFILE || e == ENFILE ? SIM_EIO
           : e == ENOMEM                                                        ? SIM_ENOMEM
                                                                                : SIM_EINVAL;
}

static int write_marker(const char *dir, sim_err *err)
{
    static const char text[] =
        "This folder was written by erpsim. erpsim replaces it whole when a command writes\n"
        "its results here again (this file tells it the folder is its own).\n";
    return plt_file_write(dir, PLT_FOLDER_MARKER, text, sizeof text - 1, err);
}

int plt_folder_begin(plt_folder *f, const char *path, sim_err *err)
{
    memset(f, 0, sizeof *f);
    int rc;
    char shown[512];
    sim_text_visible(path, shown, sizeof shown);
    if (!path[0] || !sim_text_is_plain(path))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "the folder name '%s' is empty or has a control character or bytes "
                           "that are not UTF-8",
                           shown);
    f->path = sim_strdup(path);
    if (!f->path)
        goto nomem;
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                        "%s exists and is not a folder: choose a folder name", shown);
            goto fail;
        }
        char real[PATH_MAX];
        if (!realpath(path, real)) {
            sim_err_set(err, status_of(errno), NULL, 0, 0, "cannot resolve %s: %s", shown,
                        strerror(errno));
            goto fail;
        }
        if (!strcmp(real, "/")) {
            sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "the root folder cannot be a results folder");
            goto fail;
        }
        f->final = sim_strdup(real);
    } else if (errno == ENOENT) {
        f->final = sim_strdup(path);
        size_t n = f->final ? strlen(f->final) : 0;
        while (n > 1 && f->final[n - 1] == '/')
            f->final[--n] = '\0';
    } else {
        sim_err_set(err, status_of(errno), NULL, 0, 0, "cannot use %s: %s", shown, strerror(errno));
        goto fail;
    }
    if (!f->final)
        goto nomem;
    clean_leftovers(f->final); /* may put an -old folder back */
    char *parent = parent_of(f->final);
    if (!parent)
        goto nomem;
    struct stat ps;
    if (plt_file_mkdirs(parent, err) != SIM_OK) { /* no permission, or a file in the way */
        sim_free(parent);
        if (err)
            err->code = SIM_EINVAL;
        goto fail;
    }
    int pstat = stat(parent, &ps);
    sim_free(parent);
    f->existed = stat(f->final, &st) == 0;
    if (f->existed && (rc = ours(f->final, shown, err)) != SIM_OK)
        goto fail;
    if (f->existed && access(f->final, W_OK) != 0) { /* its old files could not be removed */
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0, "%s is read-only: erpsim cannot replace it",
                    shown);
        goto fail;
    }
    if (f->existed && pstat == 0 && ps.st_dev != st.st_dev) {
        sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                    "%s is a mount point, which cannot be replaced: give a folder inside it",
                    shown);
        goto fail;
    }
    f->tmp = side_name(f->final, "tmp", (long)getpid());
    if (!f->tmp)
        goto nomem;
    remove_tree(f->tmp); /* a leftover of an earlier process with our PID */
    if (mkdir(f->tmp, 0777) != 0) {
        int e = errno;
        sim_err_set(err, status_of(e), NULL, 0, 0, "cannot create a folder beside %s: %s", shown,
                    strerror(e));
        sim_free(f->tmp);
        f->tmp = NULL;
        goto fail;
    }
    if ((rc = write_marker(f->tmp, err)) != SIM_OK) {
        plt_folder_fini(f);
        return rc;
    }
    return SIM_OK;
nomem:
    sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
fail:
    rc = err ? err->code : SIM_EINVAL;
    plt_folder_fini(f);
    return rc ? rc : SIM_EINVAL;
}

/* Copies the file src to dst. */
static int copy_file(const char *src, const char *dst, mode_t mode, sim_err *err)
{
    int in = open(src, O_RDONLY);
    if (in < 0)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot read %s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, mode & 0777);
    int rc = SIM_OK;
    if (out < 0)
        rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot write %s: %s", dst, strerror(errno));
    char buf[65536];
    ssize_t got;
    while (rc == SIM_OK && (got = read(in, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        for (ssize_t done = 0; got > 0 && done < got;) {
            ssize_t w = write(out, buf + done, (size_t)(got - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                got = -1;
                break;
            }
            done += w;
        }
        if (got < 0)
            rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot copy %s: %s", src,
                             strerror(errno ? errno : EIO));
    }
    close(in);
    if (out >= 0 && close(out) != 0 && rc == SIM_OK)
        rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot write %s: %s", dst, strerror(errno));
    return rc;
}

/* Copies the folder src into the existing folder dst; at the top, the
 * charts/ folder and the marker are left out. */
static int copy_tree(const char *src, const char *dst, int top, sim_err *err)
{
    DIR *d = opendir(src);
    if (!d)
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot read %s: %s", src, strerror(errno));
    int rc = SIM_OK;
    struct dirent *e;
    while (rc == SIM_OK && (e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") ||
            (top && (!strcmp(n, "charts") || !strcmp(n, PLT_FOLDER_MARKER))))
            continue;
        char *from = plt_file_join(src, n), *to = plt_file_join(dst, n);
        struct stat st;
        if (!from || !to)
            rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        else if (lstat(from, &st) != 0)
            rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot read %s: %s", from, strerror(errno));
        else if (S_ISDIR(st.st_mode)) {
            if (mkdir(to, st.st_mode & 0777) != 0)
                rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot create %s: %s", to,
                                 strerror(errno));
            else
                rc = copy_tree(from, to, 0, err);
        } else if (S_ISREG(st.st_mode)) {
            rc = copy_file(from, to, st.st_mode, err);
        } /* other kinds (links, devices) are not results: left out */
        sim_free(from);
        sim_free(to);
    }
    closedir(d);
    return rc;
}

int plt_folder_seed(plt_folder *f, const char *from, sim_err *err)
{
    return copy_tree(from, f->tmp, 1, err);
}

int plt_folder_commit(plt_folder *f, sim_err *err)
{
    struct stat st;
    int exists = lstat(f->final, &st) == 0;
    if (!exists) {
        if (rename(f->tmp, f->final) != 0)
            return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot rename %s to %s: %s", f->tmp,
                               f->final, strerror(errno));
    } else {
        int swapped = -1;
#ifdef RENAME_EXCHANGE
        swapped = renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->final, RENAME_EXCHANGE);
        if (swapped != 0 && errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
            return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot swap %s into %s: %s", f->tmp,
                               f->final, strerror(errno));
#endif
        if (swapped != 0) { /* two renames: final is absent in between */
            char *old = side_name(f->final, "old", (long)getpid());
            if (!old)
                return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
            int rc = SIM_OK;
            if (rename(f->final, old) != 0) {
                rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot rename %s: %s", f->final,
                                 strerror(errno));
            } else if (rename(f->tmp, f->final) != 0) {
                rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot rename %s to %s: %s", f->tmp,
                                 f->final, strerror(errno));
                rename(old, f->final); /* the old folder back */
            } else {
                remove_tree(old);
            }
            sim_free(old);
            if (rc != SIM_OK)
                return rc;
            sim_free(f->tmp);
            f->tmp = NULL;
            return SIM_OK;
        }
        remove_tree(f->tmp); /* the old folder, now under the staging name */
    }
    sim_free(f->tmp);
    f->tmp = NULL;
    return SIM_OK;
}

void plt_folder_fini(plt_folder *f)
{
    if (f->tmp)
        remove_tree(f->tmp);
    sim_free(f->tmp);
    sim_free(f->final);
    sim_free(f->path);
    memset(f, 0, sizeof *f);
}

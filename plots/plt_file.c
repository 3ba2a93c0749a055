/*
 * plt_file.c - atomic writes: write `.NAME.tmp` (buffered by stdio, in
 * pieces as a writer produces them), then rename(2).
 *
 * fsync is not called: the guarantee wanted here is that a crashed or
 * interrupted run never leaves a half-written result under its final name,
 * not durability across a power cut, and fsync on every chart would make
 * a workshop run noticeably slower on some file systems.
 */
#include "plt_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_alloc.h"

int plt_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int plt_file_mkdirs(const char *path, sim_err *err)
{
    char *p = sim_strdup(path);
    if (!p)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    /* Create each prefix ending at a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot create folder %s: %s", p, strerror(e));
            sim_free(p);
            return SIM_EIO;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    struct stat st;
    int ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok)
        sim_err_set(err, SIM_EIO, NULL, 0, 0, "%s exists and is not a folder", p);
    sim_free(p);
    return ok ? SIM_OK : SIM_EIO;
}

char *plt_file_join(const char *dir, const char *name)
{
    size_t nd = dir ? strlen(dir) : 0, nn = strlen(name);
    char *p = sim_malloc(nd + nn + 2);
    if (!p)
        return NULL;
    if (nd == 0) {
        memcpy(p, name, nn + 1);
        return p;
    }
    memcpy(p, dir, nd);
    size_t at = nd;
    if (dir[nd - 1] != '/')
        p[at++] = '/';
    memcpy(p + at, name, nn + 1);
    return p;
}

char *plt_file_temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t nd = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + nd;
    size_t nb = strlen(base);
    char *p = sim_malloc(nd + nb + 6);
    if (!p)
        return NULL;
    memcpy(p, path, nd);
    p[nd] = '.';
    memcpy(p + nd + 1, base, nb);
    memcpy(p + nd + 1 + nb, ".tmp", 5);
    return p;
}

int plt_file_commit(const char *tmp, const char *path, sim_err *err)
{
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot rename %s to %s: %s", tmp, path,
                           strerror(e));
    }
    return SIM_OK;
}

/* Creates the folders of dir/name up to the last '/' of name. */
static int make_parent(const char *path, sim_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return SIM_OK;
    char *parent = sim_malloc((size_t)(slash - path) + 1);
    if (!parent)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    memcpy(parent, path, (size_t)(slash - path));
    parent[slash - path] = '\0';
    int rc = plt_file_mkdirs(parent, err);
    sim_free(parent);
    return rc;
}

struct plt_file_out {
    FILE *f;
    int error; /* errno of the first failed write, 0 if none */
};

int plt_file_put(void *out, const char *data, size_t len)
{
    plt_file_out *o = out;
    if (o->error)
        return -1;
    errno = 0;
    if (len > 0 && fwrite(data, 1, len, o->f) != len)
        o->error = errno ? errno : EIO;
    return o->error ? -1 : 0;
}

int plt_file_stream(const char *dir, const char *name, plt_file_fill *fill, void *ctx, sim_err *err)
{
    char *path = plt_file_join(dir, name);
    char *tmp = path ? plt_file_temp_name(path) : NULL;
    int rc = SIM_OK;
    if (!path || !tmp) {
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if ((rc = make_parent(path, err)) != SIM_OK)
        goto done;
    plt_file_out o = {.f = fopen(tmp, "wb")};
    if (!o.f) {
        int e = errno;
        rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot write %s: %s", tmp, strerror(e));
        goto done;
    }
    rc = fill(ctx, &o, err);
    errno = 0;
    if (fclose(o.f) != 0 && !o.error)
        o.error = errno ? errno : EIO;
    if (o.error) /* the disk's reason, whatever fill made of it */
        rc = sim_err_set(err, SIM_EIO, NULL, 0, 0, "cannot write %s: %s", tmp, strerror(o.error));
    if (rc != SIM_OK) {
        unlink(tmp);
        goto done;
    }
    rc = plt_file_commit(tmp, path, err);
done:
    sim_free(tmp);
    sim_free(path);
    return rc;
}

typedef struct bytes {
    const void *data;
    size_t len;
} bytes;

static int put_bytes(void *ctx, plt_file_out *out, sim_err *err)
{
    (void)err;
    const bytes *b = ctx;
    plt_file_put(out, b->data, b->len);
    return SIM_OK; /* a failed write is plt_file_stream's to report */
}

int plt_file_write(const char *dir, const char *name, const void *data, size_t len, sim_err *err)
{
    bytes b = {data, len};
    return plt_file_stream(dir, name, put_bytes, &b, err);
}

char *plt_file_read(const char *path, size_t *len, sim_err *err)
{
    FILE *f = fopen(path, "rbe"); /* e: close on exec, as gnuplot starts (plt_gnuplot.c) */
    if (!f) {
        int e = errno;
        sim_err_set(err, SIM_EIO, path, 0, 0, "cannot read %s: %s", path, strerror(e));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = sim_malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap)
            break;
        char *bigger = sim_realloc(buf, cap * 2);
        if (!bigger) {
            sim_free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) {
        sim_err_set(err, SIM_ENOMEM, path, 0, 0, "out of memory reading %s", path);
        return NULL;
    }
    if (bad) {
        sim_free(buf);
        sim_err_set(err, SIM_EIO, path, 0, 0, "cannot read %s", path);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

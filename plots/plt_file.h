/*
 * plt_file.h - files of a results directory, written atomically.
 *
 * Every output file (summary.txt, results.json, metrics.csv, series/NAME.csv,
 * charts/NAME.png) is written to a hidden temporary name beside its final name,
 * `.NAME.tmp` in the same folder, and renamed over the final name only
 * once it is complete: rename(2) within one file system is atomic, so a
 * reader sees the old file or the new one, and an interrupted or failed run
 * leaves no half-written file (at most a `.NAME.tmp`, removed on the error
 * paths that can remove it). The commands write these files into a staging
 * folder that replaces the results folder whole (plt_folder.h), so the
 * folder never mixes files of two runs either.
 */
#ifndef PLT_FILE_H
#define PLT_FILE_H

#include <stddef.h>

#include "sim_err.h"

/* Creates the folder and its missing parents (mode 0777 less the umask).
 * SIM_OK when it exists already; SIM_EIO (err names the path) otherwise. */
int plt_file_mkdirs(const char *path, sim_err *err);

/* "dir/name" in a new string (sim_free it), or NULL on no memory. dir may
 * be NULL or "" (then name alone). */
char *plt_file_join(const char *dir, const char *name);

/* The temporary name of path: "folder/.base.tmp" (sim_free it). */
char *plt_file_temp_name(const char *path);

/* Writes data[0..len) to dir/name atomically (see above), creating the
 * folders of name (e.g. "series/quota.csv") under dir. SIM_EIO or
 * SIM_ENOMEM with err filled. */
int plt_file_write(const char *dir, const char *name, const void *data, size_t len, sim_err *err);

/* A file being written by plt_file_stream's fill function. */
typedef struct plt_file_out plt_file_out;

/* Appends data[0..len) to the file out (a plt_file_out *: the signature is
 * that of a writer's sink, res_json_sink). 0, or -1 once a write has
 * failed (the reason is kept: plt_file_stream reports it). */
int plt_file_put(void *out, const char *data, size_t len);

/* Produces a file's bytes through plt_file_put(out, ...); SIM_OK or an
 * error with err filled. */
typedef int plt_file_fill(void *ctx, plt_file_out *out, sim_err *err);

/* Writes dir/name atomically as plt_file_write does, its bytes produced by
 * fill(ctx, out, err) as they come, so that a large file is never held
 * whole in memory. When fill fails or a write fails (a full disk), nothing
 * is left under name or its temporary name; the error is fill's, or
 * "cannot write TMP: REASON" (SIM_EIO) when a write failed. */
int plt_file_stream(const char *dir, const char *name, plt_file_fill *fill, void *ctx,
                    sim_err *err);

/* Renames the finished temporary file tmp over path. SIM_EIO on failure
 * (tmp is removed then). */
int plt_file_commit(const char *tmp, const char *path, sim_err *err);

/* Reads a whole file into a new NUL-terminated buffer (sim_free it);
 * *len (may be NULL) gets its size. NULL with err filled on failure. */
char *plt_file_read(const char *path, size_t *len, sim_err *err);

/* 1 if path exists (any kind of file). */
int plt_file_exists(const char *path);

#endif

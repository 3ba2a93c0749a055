/*
 * journal.c - the files of journal.h. Text headers (a person can read what
 * a journal is for), binary results: "ERPSIMJ1", the packed length, the
 * packed result, its FNV-1a hash; a file that does not check out is
 * treated as absent and rewritten.
 */
#include "journal.h"

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "plt_file.h"
#include "scn_print.h"
#include "sim_alloc.h"
#include "sim_pack.h"

#define MAGIC "ERPSIMJ1"

struct journal {
    char *dir;
    atomic_long loaded;
};

/* Options that change only how the output is shown, with whether they take
 * a value: not part of the study's identity. */
static const struct {
    const char *name;
    int takes_value;
} presentation[] = {{"--journal", 1}, {"--out", 1}, {"--format", 1},    {"--threads", 1},
                    {"--quiet", 0},   {"-q", 0},    {"--no-charts", 0}, {"--no-memory-check", 0}};

uint64_t journal_args_hash(int argc, char **argv)
{
    uint64_t h = SIM_PACK_HASH_SEED;
    for (int i = 0; i < argc; i++) {
        int skip = 0;
        for (size_t k = 0; k < sizeof presentation / sizeof *presentation; k++) {
            size_t n = strlen(presentation[k].name);
            if (!strcmp(argv[i], presentation[k].name)) {
                skip = 1 + (presentation[k].takes_value && i + 1 < argc);
                break;
            }
            if (presentation[k].takes_value && !strncmp(argv[i], presentation[k].name, n) &&
                argv[i][n] == '=') {
                skip = 1;
                break;
            }
        }
        if (!strcmp(argv[i], "--"))
            skip = 0;
        if (skip) {
            i += skip - 1;
            continue;
        }
        h = sim_pack_hash(argv[i], strlen(argv[i]) + 1, h); /* the NUL separates */
    }
    return h;
}

/* 1 when dir has no entry but . and .. (or cannot be read: then writing
 * into it fails with its own message). */
static int folder_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

static char *path_of(const journal *j, const char *name)
{
    return plt_file_join(j->dir, name);
}

/* Writes name with text, or checks that the file there says the same.
 * what names the study's part in the message. */
static int record_or_check(const journal *j, const char *name, const char *text, const char *what,
                           sim_err *err)
{
    char *path = path_of(j, name);
    if (!path)
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = SIM_OK;
    if (plt_file_exists(path)) {
        size_t len;
        char *have = plt_file_read(path, &len, err);
        if (!have)
            rc = err ? err->code : SIM_EIO;
        else if (strcmp(have, text))
            rc = sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                             "--journal %s was made for another %s (%s differs): resume only "
                             "the same command, or give a new folder",
                             j->dir, what, name);
        sim_free(have);
    } else {
        rc = plt_file_write(j->dir, name, text, strlen(text), err);
    }
    sim_free(path);
    return rc;
}

int journal_open(const char *dir, const char *cmd, uint64_t args, journal **out, sim_err *err)
{
    *out = NULL;
    int rc = plt_file_mkdirs(dir, err);
    if (rc != SIM_OK)
        return rc;
    journal *j = sim_calloc(1, sizeof *j);
    if (!j || !(j->dir = sim_strdup(dir))) {
        sim_free(j);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    atomic_init(&j->loaded, 0);
    char *head = path_of(j, "journal.txt");
    if (!head) {
        journal_close(j);
        return sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    int fresh = !plt_file_exists(head);
    sim_free(head);
    if (fresh && !folder_empty(dir)) { /* a new journal goes into an empty folder only */
        journal_close(j);
        return sim_err_set(err, SIM_EINVAL, NULL, 0, 0,
                           "--journal %s is a folder with files but no journal.txt: give an "
                           "empty or new folder",
                           dir);
    }
    char text[256];
    snprintf(text, sizeof text, "erpsim journal 1\nversion %s\ncommand %s\narguments %016llx\n",
             ERPSIM_VERSION, cmd, (unsigned long long)args);
    rc = record_or_check(j, "journal.txt", text, "erpsim version, command or arguments", err);
    if (rc != SIM_OK) {
        journal_close(j);
        return rc;
    }
    *out = j;
    return SIM_OK;
}

void journal_close(journal *j)
{
    if (!j)
        return;
    sim_free(j->dir);
    sim_free(j);
}

int journal_scenario_hash(const mdl_scenario *sc, uint64_t *h, sim_err *err)
{
    char *yaml = scn_print_yaml(sc, NULL, NULL, err);
    if (!yaml)
        return err ? err->code : SIM_ENOMEM;
    *h = sim_pack_hash(yaml, strlen(yaml), SIM_PACK_HASH_SEED);
    sim_free(yaml);
    return SIM_OK;
}

int journal_experiment(journal *j, int seq, const mdl_scenario *sc, uint64_t seed, int reps,
                       sim_err *err)
{
    uint64_t h;
    int rc = journal_scenario_hash(sc, &h, err);
    if (rc != SIM_OK)
        return rc;
    char name[32], text[160];
    snprintf(name, sizeof name, "e%06d.txt", seq);
    snprintf(text, sizeof text, "scenario %016llx\nseed %llu\nreplications %d\n",
             (unsigned long long)h, (unsigned long long)seed, reps);
    return record_or_check(j, name, text, "scenario or seed", err);
}

static void rep_name(int seq, int rep, char *buf, size_t n)
{
    snprintf(buf, n, "e%06d-r%06d.rep", seq, rep);
}

int journal_load(journal *j, int seq, int rep, sim_result *into)
{
    char name[48];
    rep_name(seq, rep, name, sizeof name);
    char *path = path_of(j, name);
    if (!path || !plt_file_exists(path)) {
        sim_free(path);
        return 0;
    }
    size_t len = 0;
    sim_err e;
    char *data = plt_file_read(path, &len, &e);
    sim_free(path);
    if (!data)
        return 0;
    int ok = 0;
    size_t head = sizeof MAGIC - 1;
    if (len >= head + 16 && !memcmp(data, MAGIC, head)) {
        sim_unpack u;
        sim_unpack_init(&u, data + head, len - head);
        uint64_t n = sim_unpack_u64(&u);
        if (n == len - head - 16) {
            const unsigned char *body = (const unsigned char *)data + head + 8;
            sim_unpack tail;
            sim_unpack_init(&tail, body + n, 8);
            if (sim_unpack_u64(&tail) == sim_pack_hash(body, (size_t)n, SIM_PACK_HASH_SEED)) {
                sim_unpack r;
                sim_unpack_init(&r, body, (size_t)n);
                ok = sim_result_unpack(into, &r, &e) == SIM_OK && r.pos == n;
            }
        }
    }
    sim_free(data);
    if (ok)
        atomic_fetch_add(&j->loaded, 1);
    return ok;
}

int journal_save(const journal *j, int seq, int rep, const sim_result *r, sim_err *err)
{
    sim_pack body, file;
    sim_pack_init(&body);
    sim_pack_init(&file);
    sim_result_pack(r, &body);
    sim_pack_bytes(&file, MAGIC, sizeof MAGIC - 1);
    sim_pack_u64(&file, body.len);
    sim_pack_bytes(&file, body.data, body.len);
    sim_pack_u64(&file, sim_pack_hash(body.data, body.len, SIM_PACK_HASH_SEED));
    int rc;
    if (body.failed || file.failed) {
        rc = sim_err_set(err, SIM_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        char name[48];
        rep_name(seq, rep, name, sizeof name);
        rc = plt_file_write(j->dir, name, file.data, file.len, err);
    }
    sim_pack_fini(&body);
    sim_pack_fini(&file);
    return rc;
}

long journal_loaded(const journal *j)
{
    return j ? atomic_load(&((journal *)j)->loaded) : 0;
}

/*
 * replay.c - runs a libFuzzer target without libFuzzer: every file named on
 * the command line, and every file in every folder named, is passed once to
 * LLVMFuzzerTestOneInput. The ordinary builds (gcc, the sanitizer build)
 * use it to replay the committed corpus tests/fuzz/corpus/<target>/, so
 * every input a fuzzer once crashed on stays a regression test everywhere.
 * A failing input aborts (the target's own check, or a sanitizer); its name
 * is printed first.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, fp)) > 0;) {
        n += got;
        if (n == cap) {
            unsigned char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    fclose(fp);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return 1;
    }
    fprintf(stderr, "replay: %s\n", path);
    /* a copy of exactly n bytes, so reading past the input is caught */
    unsigned char *exact = malloc(n ? n : 1);
    if (exact) {
        memcpy(exact, buf, n);
        LLVMFuzzerTestOneInput(exact, n);
    }
    free(exact);
    free(buf);
    return exact ? 0 : 1;
}

int main(int argc, char **argv)
{
    int failed = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.')
                    continue;
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                failed |= run_file(path);
                files++;
            }
            if (d)
                closedir(d);
        } else {
            failed |= run_file(argv[i]);
            files++;
        }
    }
    fprintf(stderr, "replay: %d inputs\n", files);
    return failed || files == 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The replay driver for compilers without libFuzzer (gcc, the default build):
 *   fuzz-TARGET CORPUS_DIR|FILE...
 * runs LLVMFuzzerTestOneInput once over every file given and every regular file of every folder
 * given (in name order), each in a buffer of exactly its size so that ASan sees a read past the
 * end. Fails when an argument cannot be read or names no input at all; a crash is the test's
 * crash.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        struct stat st;
        if (fstat(fileno(f), &st) < 0 || st.st_size < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                fclose(f);
                return -1;
        }
        size_t size = (size_t)st.st_size;
        uint8_t *data = malloc(size ? size : 1);
        if (!data || fread(data, 1, size, f) != size) {
                fprintf(stderr, "%s: cannot read\n", path);
                free(data);
                fclose(f);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        return 0;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir; the number run, or -1. */
static int run_dir(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d) {
                fprintf(stderr, "%s: %s\n", dir, strerror(errno));
                return -1;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char **nn = realloc(names, (n + 1) * sizeof *nn);
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        fprintf(stderr, "out of memory\n");
                        abort();
                }
                names = nn;
                n++;
        }
        closedir(d);
        if (n)
                qsort(names, n, sizeof *names, cmp_name);
        int n_run = 0;
        for (size_t i = 0; i < n; i++) {
                char path[PATH_MAX];
                struct stat st;
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                if (n_run >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
                        n_run = run_file(path) < 0 ? -1 : n_run + 1;
                free(names[i]);
        }
        free(names);
        return n_run;
}

int main(int argc, char **argv)
{
        int n_total = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                int n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) < 0 ? -1 : 1;
                if (n < 0)
                        return 1;
                n_total += n;
        }
        if (n_total == 0) {
                fprintf(stderr, "usage: %s CORPUS_DIR|FILE... (no inputs given)\n", argv[0]);
                return 1;
        }
        printf("%s: %d inputs ran\n", argv[0], n_total);
        return 0;
}

/* Runs a fuzz target's LLVMFuzzerTestOneInput once on each file given (or on each file of each
 * folder given), without libFuzzer: so the ordinary test builds (gcc, ASan+UBSan) replay the
 * inputs fuzzing found (regressions/TARGET/) and the project's own inputs through the targets'
 * checks. */
#include <dirent.h>
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
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (!buf) return 1;
    LLVMFuzzerTestOneInput(buf, n); /* a failed check aborts */
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    size_t runs = 0;
    for (int k = 1; k < argc; k++) {
        struct stat sb;
        if (stat(argv[k], &sb) != 0) {
            perror(argv[k]);
            return 1;
        }
        if (!S_ISDIR(sb.st_mode)) {
            if (run_file(argv[k])) return 1;
            runs++;
            continue;
        }
        DIR *d = opendir(argv[k]);
        if (!d) return perror(argv[k]), 1;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md")) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[k], e->d_name);
            if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
            if (run_file(path)) return 1;
            runs++;
        }
        closedir(d);
    }
    printf("%zu inputs replayed\n", runs);
    return 0;
}

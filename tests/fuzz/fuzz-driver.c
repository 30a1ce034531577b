/*
 * fuzz-driver.c: the stand-alone main() of the fuzz targets in make check
 * (see fuzz-driver.h).  Not part of a libFuzzer build.
 */
#include <config.h>

#include "tests/fuzz/fuzz-driver.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

static uint64_t rng_state = 1;

/* xorshift64*: fast, and the same sequence everywhere. */
uint32_t
fuzz_rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 0x2545f4914f6cdd1dULL) >> 32;
}

void
fuzz_rng_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = fuzz_rng();
    }
}

static void
write_file(const char *dir, unsigned long i, const uint8_t *data, size_t n)
{
    char name[4096];
    snprintf(name, sizeof name, "%s/seed-%06lu", dir, i);

    FILE *file = fopen(name, "wb");
    if (!file || fwrite(data, 1, n, file) != n || fclose(file)) {
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
        exit(1);
    }
}

/* Runs the target over the file 'name' (its first MiB); returns 0, or 1 if
 * it cannot be read. */
static int
run_file(const char *name)
{
    static uint8_t buf[1 << 20];
    FILE *file = fopen(name, "rb");

    if (!file) {
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
        return 1;
    }
    size_t n = fread(buf, 1, sizeof buf, file);
    int error = ferror(file);
    fclose(file);
    if (error) {
        fprintf(stderr, "%s: read error\n", name);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int
fuzz_driver_main(const struct fuzz_driver *drv, int argc, char *argv[])
{
    unsigned long n_inputs = drv->n_inputs;
    unsigned long long seed = drv->seed;
    const char *seed_dir = NULL;
    int status = 0;
    int opt;

    while ((opt = getopt(argc, argv, "n:s:w:")) != -1) {
        switch (opt) {
        case 'n':
            n_inputs = strtoul(optarg, NULL, 0);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 0);
            break;
        case 'w':
            seed_dir = optarg;
            break;
        default:
            fprintf(stderr, "usage: %s [-n INPUTS] [-s SEED] [-w DIR] "
                    "[FILE...]\n", argv[0]);
            return 2;
        }
    }

    rng_state = seed ? seed : 1;
    if (!seed_dir && drv->known_answers) {
        drv->known_answers();
    }

    if (optind < argc) {
        int n_bad = 0;
        for (int i = optind; i < argc; i++) {
            n_bad += run_file(argv[i]);
        }
        printf("%d files, no invariant broken", argc - optind - n_bad);
        printf(n_bad ? "; %d could not be read\n" : "\n", n_bad);
        status = n_bad != 0;
    } else {
        uint8_t *buf = malloc(drv->max_input);
        CHECK(buf);
        for (unsigned long i = 0; i < n_inputs; i++) {
            size_t len = drv->generate(buf, i);
            CHECK(len <= drv->max_input);
            if (seed_dir) {
                write_file(seed_dir, i, buf, len);
            } else {
                LLVMFuzzerTestOneInput(buf, len);
            }
        }
        free(buf);
        if (seed_dir) {
            printf("%lu inputs written to %s\n", n_inputs, seed_dir);
            return 0;
        }
        printf("%lu inputs (seed %#llx), no invariant broken\n",
               n_inputs, seed);
    }
    if (drv->report) {
        drv->report();
    }
    return status;
}

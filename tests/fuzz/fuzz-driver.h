/*
 * fuzz-driver.h: what the fuzz targets in tests/fuzz share.
 *
 * A target defines LLVMFuzzerTestOneInput() and checks its invariants with
 * CHECK(), which abort()s, so that libFuzzer and the test alike stop on the
 * input that broke one.  Under libFuzzer (FUZZING_ENGINE defined), that is
 * all: libFuzzer has its own main().
 *
 * As a test (make check), the target is linked with fuzz-driver.c, and its
 * main() only fills in a struct fuzz_driver and calls fuzz_driver_main(),
 * which takes the options every target has:
 *
 *   TARGET [-n INPUTS] [-s SEED]     runs the known answers, then INPUTS
 *                                    pseudo-random inputs from SEED
 *   TARGET FILE...                   runs the known answers, then each FILE
 *                                    (a crash that libFuzzer saved, say)
 *   TARGET [-n INPUTS] [-s SEED] -w DIR
 *                                    writes the INPUTS into DIR instead,
 *                                    one file each, as a seed corpus
 *
 * The pseudo-random numbers (fuzz_rng()) are the same sequence on every
 * machine for a seed, so that a failure of "make check" reproduces.
 */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H 1

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: invariant broken: %s\n",            \
                    __FILE__, __LINE__, #COND);                         \
            abort();                                                    \
        }                                                               \
    } while (0)

#ifndef FUZZING_ENGINE
struct fuzz_driver {
    unsigned long n_inputs;     /* Default of -n. */
    unsigned long long seed;    /* Default of -s. */
    size_t max_input;           /* Size of the buffer for generate(). */

    /* Writes input number 'i' (0, 1, ...) into 'buf', which has room for
     * 'max_input' bytes; returns its length.  fuzz_rng() is seeded. */
    size_t (*generate)(uint8_t *buf, unsigned long i);

    /* Optional: inputs with the answers they must get, run before the
     * generated inputs or the files (not with -w). */
    void (*known_answers)(void);

    /* Optional: prints what the inputs reached, after the summary line. */
    void (*report)(void);
};

int fuzz_driver_main(const struct fuzz_driver *, int argc, char *argv[]);

uint32_t fuzz_rng(void);
void fuzz_rng_fill(uint8_t *, size_t);
#endif /* !FUZZING_ENGINE */

#endif /* fuzz-driver.h */

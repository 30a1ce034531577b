/*
 * vtep-malloc.c: allocator tuning for vtepd.
 *
 * DOC: vtepd's big moments are bulk updates: the IDL parses a transaction
 * of 100,000 rows into millions of small JSON blocks and frees them, and
 * the desired state then grows its hash tables.  With glibc's fastbins,
 * the first large allocation after such a free runs malloc_consolidate()
 * over every freed small block: measured at 14-16% of vtepd's CPU for a
 * 100k-MAC install (doc/benchmarks/scale.rst).  Without fastbins the
 * install costs 30% less CPU at the same peak RSS.  Other C libraries
 * have no such knob, and need none.
 */
#include <config.h>
#include "vtep-malloc.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Tunes the process's allocator for vtepd.  Call it first thing in main(),
 * before anything is allocated. */
void
vtep_malloc_tune(void)
{
#ifdef __GLIBC__
    mallopt(M_MXFAST, 0);
#endif
}

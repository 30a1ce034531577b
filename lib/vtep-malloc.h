/*
 * vtep-malloc.h: allocator tuning for vtepd (see vtep-malloc.c).
 */
#ifndef VTEP_MALLOC_H
#define VTEP_MALLOC_H 1

void vtep_malloc_tune(void);

#endif /* vtep-malloc.h */

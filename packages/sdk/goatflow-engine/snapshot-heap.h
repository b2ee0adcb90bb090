/* The heap of the GoatFlow engine's snapshot (snapshot-heap.c), as engine.c drives it. */
#ifndef GK_SNAPSHOT_HEAP_H
#define GK_SNAPSHOT_HEAP_H

#include <stddef.h>

#include "quickjs.h"

/* How QuickJS's allocations are placed: RECORD, REPLAY and PLAIN while Wizer initialises the
 * engine, RUNTIME afterwards (snapshot-heap.c). */
enum alloc_mode { RUNTIME, PLAIN, RECORD, REPLAY };
extern enum alloc_mode alloc_mode;

/* QuickJS's allocator, by alloc_mode. */
extern const JSMallocFunctions gk_malloc_functions;

/* Starts a pass of the initialisation (or RUNTIME, after it). */
void begin_pass(enum alloc_mode mode);
/* After RECORD: the blocks still live, in sequence order; 0 if they cannot be listed. */
int collect_survivors(void);
/* Before REPLAY: the arena with a place for each survivor; 0 if there is no memory for it. */
int reserve_survivors(void);
/* After REPLAY: whether it allocated as RECORD did, every survivor in its place. */
int replay_matched(void);
/* Gives the arena back (a REPLAY that did not match, its runtime freed). */
void release_arena(void);
/* Zeroes the scratch heap and forgets it. */
void scratch_release(void);
void free_survivors(void);

/* The initialisation's own memory, apart from malloc's heap: zero when handed out, zeroed and
 * given back all at once by scratch_unmap_all. */
void *scratch_map(size_t size);
void scratch_unmap_all(void);

/* After a REPLAY, malloc's bookkeeping in the free memory above the arena zeroed. */
void zero_free_top(void);
/* Marks the last byte below malloc's break, so that the snapshot's data ends at the break. */
void mark_heap_break(void);

#endif

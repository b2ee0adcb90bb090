/*
 * Where the GoatFlow engine's memory comes from, during Wizer's initialisation and after it
 * (engine.c, snapshot-heap.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "snapshot-heap.h"

/* The memory an instance starts with is the memory the snapshot declares, and each new instance
 * pays for every page of it (the engine reserves it, and the embedder counts it against its heap).
 * The initialisation needs several times what the snapshot keeps, and WebAssembly memory does not
 * shrink. So the initialisation's own memory (the script's text, the scratch heap, the survivors'
 * list) is taken from SCRATCH_BASE up, apart from malloc's heap, which grows from the bottom
 * through the sbrk below; once that area is zeroed, nothing past malloc's break is in use. The
 * build then declares only the memory up to the snapshot's last byte (SDK,
 * src/build/goatflow/snapshot-memory.ts), and the initialisation marks the break's last byte
 * (mark_heap_break) so that the snapshot's last byte is the break's. */
#define WASM_PAGE 65536u
/* Half of the 16 MiB: below it malloc's heap, which holds the snapshot's (a few hundred KiB for a
 * plugin; past 7.5 MiB the build fails, out of memory), above it the initialisation's memory. */
#define SCRATCH_BASE (8u << 20)

static uintptr_t heap_break;   /* malloc's end of heap; 0 until the first sbrk */
static uintptr_t heap_ceiling; /* while the scratch heap is in use, SCRATCH_BASE: malloc stays below */

static uintptr_t memory_bytes(void) { return (uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE; }

/* Grows the memory to at least `end` bytes; 0 if it cannot. */
static int memory_reach(uintptr_t end) {
  uintptr_t have = memory_bytes();
  if (end <= have) return 1;
  return __builtin_wasm_memory_grow(0, (end - have + WASM_PAGE - 1) / WASM_PAGE) != SIZE_MAX;
}

/* wasi-libc's malloc (dlmalloc) grows its heap with sbrk, in whole pages and never down. This one
 * keeps the break itself instead of reading it off the memory's size, so that memory grown for the
 * scratch heap does not become malloc's. */
void *sbrk(intptr_t increment) {
  if (!heap_break) heap_break = memory_bytes();
  if (increment == 0) return (void *)heap_break;
  uintptr_t old = heap_break, want = old + (uintptr_t)increment;
  if (increment < 0 || want < old || (heap_ceiling && want > heap_ceiling) || !memory_reach(want)) {
    errno = ENOMEM;
    return (void *)-1;
  }
  heap_break = want;
  return (void *)old;
}

/* The initialisation's memory: bump-allocated from SCRATCH_BASE, zeroed and given back all at
 * once (scratch_unmap_all); never reused before that, so it is zero when handed out. */
static uintptr_t scratch_area_top;

void *scratch_map(size_t size) {
  if (!scratch_area_top) {
    /* malloc's heap must be below SCRATCH_BASE, and stay there while the scratch heap lives. */
    if ((uintptr_t)sbrk(0) > SCRATCH_BASE) return NULL;
    scratch_area_top = SCRATCH_BASE;
    heap_ceiling = SCRATCH_BASE;
  }
  uintptr_t start = scratch_area_top, end = start + ((size + 15) & ~(size_t)15);
  if (end < start || !memory_reach(end)) return NULL;
  scratch_area_top = end;
  return (void *)start;
}

void scratch_unmap_all(void) {
  if (!scratch_area_top) return;
  explicit_bzero((void *)SCRATCH_BASE, scratch_area_top - SCRATCH_BASE);
  scratch_area_top = 0;
  heap_ceiling = 0;
}

void mark_heap_break(void) {
  /* The mark (see SCRATCH_BASE): the break's last byte, free memory of malloc's top that nothing
   * reads. */
  ((volatile char *)sbrk(0))[-1] = 1;
}

/*
 * The heap of the GoatFlow engine's snapshot (engine.c): QuickJS's allocator, and the passes of
 * the initialisation that place the objects that outlive it side by side. Its scratch memory
 * comes from memory-layout.c.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot-heap.h"

/* QuickJS's allocator: wasi-libc's malloc with QuickJS's accounting (quickjs.c js_def_malloc and
 * co.), except while Wizer initialises. Every 4 KiB page that the snapshot touches costs each new
 * instance a page fault and a copy, so the blocks that outlive the initialisation should fill as
 * few pages as possible, with nothing else between them. Run once, the parser's and compiler's
 * temporaries are interleaved with them, freed chunks keep malloc's headers, and malloc rounds
 * every block to 16 bytes plus a header. So the initialisation runs twice (wizer_initialize):
 *
 * - RECORD: every allocation comes from the scratch heap below and carries its sequence number;
 *   the blocks still live at the end are the survivors. The runtime is then freed.
 * - REPLAY: the same script with the same allocation sequence (QuickJS is deterministic here: no
 *   GC runs before the final one, realloc always moves, nothing reads usable sizes). Each
 *   survivor gets its place in the arena (below), packed in sequence order; every other
 *   allocation comes from the scratch heap again.
 *
 * The scratch heap lives apart from malloc's heap (memory-layout.c), and is zeroed whole afterwards, so its
 * garbage and its bookkeeping leave no byte in the snapshot. Should the replay not match the
 * record, the initialisation runs a third time as a single PLAIN pass on malloc, freed memory
 * zeroed. At run time (RUNTIME) new blocks come from malloc: no scratch block is live by then. */
enum alloc_mode alloc_mode = RUNTIME;

#define GK_MALLOC_OVERHEAD 8

/* The scratch heap: blocks with a header, bump-allocated from regions; freed blocks are reused by
 * exact capacity class (8-byte steps up to 2 KiB, powers of two above). */
#define SCRATCH_REGION_SIZE (128u << 10)
#define SCRATCH_MAX_REGIONS 32
#define SCRATCH_SMALL_LIMIT 2048u
#define SCRATCH_CLASSES (SCRATCH_SMALL_LIMIT / 8 + 32)
#define SCRATCH_FREE UINT32_MAX

typedef struct {
  uint32_t size; /* as requested */
  uint32_t seq;  /* the allocation's sequence number, SCRATCH_FREE once freed */
} scratch_header;

static char *scratch_region[SCRATCH_MAX_REGIONS];
static char *scratch_region_end[SCRATCH_MAX_REGIONS];
static char *scratch_region_used[SCRATCH_MAX_REGIONS];
static int scratch_regions;
static char *scratch_top, *scratch_limit;
static size_t scratch_total;
static void *scratch_free_list[SCRATCH_CLASSES];
static size_t scratch_live;

static size_t scratch_capacity(size_t size) {
  if (size <= SCRATCH_SMALL_LIMIT) return size ? (size + 7) & ~(size_t)7 : 8;
  size_t cap = SCRATCH_SMALL_LIMIT * 2;
  while (cap < size) cap <<= 1;
  return cap;
}

static unsigned scratch_class(size_t cap) {
  if (cap <= SCRATCH_SMALL_LIMIT) return (unsigned)(cap / 8 - 1);
  return SCRATCH_SMALL_LIMIT / 8 + (unsigned)(__builtin_ctz((unsigned)cap) - __builtin_ctz(SCRATCH_SMALL_LIMIT));
}

static scratch_header *scratch_header_of(void *ptr) { return (scratch_header *)ptr - 1; }

static int scratch_owns(const void *ptr) {
  for (int i = 0; i < scratch_regions; i++) {
    if ((const char *)ptr > scratch_region[i] && (const char *)ptr < scratch_region_end[i]) return 1;
  }
  return 0;
}

static void *scratch_malloc(size_t size, uint32_t seq) {
  if (size > (1u << 30)) return NULL;
  size_t cap = scratch_capacity(size);
  unsigned cls = scratch_class(cap);
  char *block;
  if (cls < SCRATCH_CLASSES && scratch_free_list[cls]) {
    block = scratch_free_list[cls];
    scratch_free_list[cls] = *(void **)block;
  } else {
    if ((size_t)(scratch_limit - scratch_top) < sizeof(scratch_header) + cap) {
      /* Small regions keep the memory that the initialisation grows to small; larger ones as
       * the heap grows keep their number bounded. */
      size_t region_size = scratch_total / 4 > SCRATCH_REGION_SIZE ? scratch_total / 4 : SCRATCH_REGION_SIZE;
      if (region_size < sizeof(scratch_header) + cap) region_size = sizeof(scratch_header) + cap;
      if (scratch_regions == SCRATCH_MAX_REGIONS) return NULL;
      char *region = scratch_map(region_size);
      if (!region) return NULL;
      if (scratch_regions > 0) scratch_region_used[scratch_regions - 1] = scratch_top;
      scratch_region[scratch_regions] = region;
      scratch_region_end[scratch_regions] = region + region_size;
      scratch_total += region_size;
      scratch_regions++;
      scratch_top = region;
      scratch_limit = region + region_size;
    }
    block = scratch_top + sizeof(scratch_header);
    scratch_top += sizeof(scratch_header) + cap;
  }
  scratch_header_of(block)->size = (uint32_t)size;
  scratch_header_of(block)->seq = seq;
  scratch_live++;
  return block;
}

static void scratch_free(void *ptr) {
  scratch_header *header = scratch_header_of(ptr);
  header->seq = SCRATCH_FREE;
  unsigned cls = scratch_class(scratch_capacity(header->size));
  *(void **)ptr = scratch_free_list[cls];
  scratch_free_list[cls] = ptr;
  scratch_live--;
}

/* Zeroes the scratch heap and forgets it (its memory is given back with scratch_unmap_all). */
void scratch_release(void) {
  for (int i = 0; i < scratch_regions; i++) {
    explicit_bzero(scratch_region[i], (size_t)(scratch_region_end[i] - scratch_region[i]));
    scratch_region[i] = scratch_region_end[i] = scratch_region_used[i] = NULL;
  }
  scratch_regions = 0;
  scratch_top = scratch_limit = NULL;
  scratch_total = 0;
  memset(scratch_free_list, 0, sizeof scratch_free_list);
  scratch_live = 0;
}

/* The survivors of RECORD in sequence order, and in REPLAY their places in the arena. */
typedef struct {
  uint32_t seq;
  uint32_t size;
  char *ptr;
} survivor;

static survivor *survivors;
static size_t survivor_count, survivors_taken;
static uint32_t alloc_seq;
static int replay_diverged;

static int by_seq(const void *a, const void *b) {
  uint32_t x = ((const survivor *)a)->seq, y = ((const survivor *)b)->seq;
  return x < y ? -1 : x > y;
}

/* After RECORD: the live scratch blocks, in sequence order. */
int collect_survivors(void) {
  size_t count = scratch_live;
  survivors = scratch_map((count ? count : 1) * sizeof *survivors);
  if (!survivors) return 0;
  survivor_count = 0;
  for (int i = 0; i < scratch_regions; i++) {
    char *end = i == scratch_regions - 1 ? scratch_top : scratch_region_used[i];
    for (char *at = scratch_region[i]; at < end;) {
      scratch_header *header = (scratch_header *)at;
      if (header->seq != SCRATCH_FREE && survivor_count < count) {
        survivors[survivor_count].seq = header->seq;
        survivors[survivor_count].size = header->size;
        survivor_count++;
      }
      at += sizeof(scratch_header) + scratch_capacity(header->size);
    }
  }
  if (survivor_count != count) return 0;
  qsort(survivors, survivor_count, sizeof *survivors, by_seq);
  return 1;
}

void free_survivors(void) {
  if (!survivors) return;
  survivors = NULL;
  survivor_count = survivors_taken = 0;
}

/* The arena: one malloc block in which the survivors lie side by side in sequence order, 8-byte
 * aligned (QuickJS needs no more), without malloc's chunk headers and 16-byte rounding. Its
 * blocks are never given back: a freed one is left where it is, still counted against the memory
 * limit, and realloc moves a block out. That is at most the arena's size over an instance's
 * life; in exchange the snapshot's heap is about a fifth smaller. */
static char *arena, *arena_end;

static size_t arena_block_size(size_t size) { return size ? (size + 7) & ~(size_t)7 : 8; }

static int in_arena(const void *ptr) { return (const char *)ptr >= arena && (const char *)ptr < arena_end; }

/* Before REPLAY: the arena, from a heap that is otherwise empty, at its bottom. */
int reserve_survivors(void) {
  size_t total = 0;
  for (size_t i = 0; i < survivor_count; i++) total += arena_block_size(survivors[i].size);
  arena = malloc(total ? total : 8);
  if (!arena) return 0;
  arena_end = arena + total;
  /* The memory was the scratch heap's: no stale byte of it should reach the snapshot. */
  memset(arena, 0, total);
  char *at = arena;
  for (size_t i = 0; i < survivor_count; i++) {
    survivors[i].ptr = at;
    at += arena_block_size(survivors[i].size);
  }
  survivors_taken = 0;
  return 1;
}

void release_arena(void) {
  if (!arena) return;
  explicit_bzero(arena, (size_t)(arena_end - arena));
  free(arena);
  arena = arena_end = NULL;
}

/* One allocation of QuickJS's by mode, with the size it is counted at; NULL when there is no
 * memory. */
static void *alloc_block(size_t size, size_t *counted) {
  if (alloc_mode == RECORD) {
    *counted = scratch_capacity(size);
    return scratch_malloc(size, alloc_seq++);
  }
  if (alloc_mode == REPLAY) {
    uint32_t seq = alloc_seq++;
    if (!replay_diverged && survivors_taken < survivor_count && survivors[survivors_taken].seq <= seq) {
      survivor *next = &survivors[survivors_taken];
      if (next->seq == seq && next->size == size) {
        survivors_taken++;
        *counted = arena_block_size(size);
        return next->ptr;
      }
      replay_diverged = 1;
    }
    *counted = scratch_capacity(size);
    return scratch_malloc(size, seq);
  }
  void *ptr = malloc(size);
  *counted = ptr ? malloc_usable_size(ptr) : 0;
  return ptr;
}

/* The size of a block outside the arena. */
static size_t block_size(void *ptr) {
  if (alloc_mode >= RECORD && scratch_owns(ptr)) return scratch_capacity(scratch_header_of(ptr)->size);
  return malloc_usable_size(ptr);
}

/* Frees a block outside the arena. */
static void free_block(void *ptr) {
  if (alloc_mode >= RECORD && scratch_owns(ptr)) {
    scratch_free(ptr);
    return;
  }
  /* Freed memory of the snapshot's heap is zero, so that it stays out of the snapshot. */
  if (alloc_mode != RUNTIME) explicit_bzero(ptr, malloc_usable_size(ptr));
  free(ptr);
}

static void *gk_js_malloc(JSMallocState *s, size_t size) {
  if (s->malloc_size + size > s->malloc_limit) return NULL;
  size_t counted;
  void *ptr = alloc_block(size, &counted);
  if (!ptr) return NULL;
  s->malloc_count++;
  s->malloc_size += counted + GK_MALLOC_OVERHEAD;
  return ptr;
}

static void gk_js_free(JSMallocState *s, void *ptr) {
  if (!ptr || in_arena(ptr)) return;
  s->malloc_count--;
  s->malloc_size -= block_size(ptr) + GK_MALLOC_OVERHEAD;
  free_block(ptr);
}

static void *gk_js_realloc(JSMallocState *s, void *ptr, size_t size) {
  if (!ptr) return size ? gk_js_malloc(s, size) : NULL;
  if (size == 0) {
    gk_js_free(s, ptr);
    return NULL;
  }
  if (in_arena(ptr)) {
    /* The block's own size is not kept; what follows it in the arena is readable, and the bytes
     * of a reallocated block past its old size are unspecified anyway. */
    void *moved = gk_js_malloc(s, size);
    if (!moved) return NULL;
    size_t room = (size_t)(arena_end - (char *)ptr);
    memcpy(moved, ptr, size < room ? size : room);
    return moved;
  }
  size_t old_size = block_size(ptr);
  if (s->malloc_size + size - old_size > s->malloc_limit) return NULL;
  if (alloc_mode != RUNTIME) {
    /* A new block every time: the allocation sequence then does not depend on where blocks are,
     * and malloc's realloc would free a moved block without zeroing it. */
    size_t counted;
    void *moved = alloc_block(size, &counted);
    if (!moved) return NULL;
    memcpy(moved, ptr, old_size < size ? old_size : size);
    s->malloc_size += counted - old_size;
    free_block(ptr);
    return moved;
  }
  ptr = realloc(ptr, size);
  if (!ptr) return NULL;
  s->malloc_size += malloc_usable_size(ptr) - old_size;
  return ptr;
}

const JSMallocFunctions gk_malloc_functions = {gk_js_malloc, gk_js_free, gk_js_realloc, NULL};

/* malloc writes a free chunk's size at both of its ends, and when free chunks merge, the inner
 * ones' sizes stay behind in the free memory. After a REPLAY everything above the arena is free,
 * so that memory is taken as one block, zeroed and freed again, which clears them. */
void zero_free_top(void) {
  uintptr_t top = (uintptr_t)arena_end, heap_end = (uintptr_t)sbrk(0);
  /* A page short of the end, so that the block is surely carved from the free memory that is
   * there rather than from memory that malloc would grow. */
  if (heap_end < top + 2 * 4096) return;
  void *block = malloc(heap_end - top - 4096);
  if (!block) return;
  explicit_bzero(block, malloc_usable_size(block));
  free(block);
}

void begin_pass(enum alloc_mode mode) {
  alloc_mode = mode;
  alloc_seq = 0;
  replay_diverged = 0;
}

int replay_matched(void) { return !replay_diverged && survivors_taken == survivor_count && scratch_live == 0; }

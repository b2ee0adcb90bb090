/*
 * The GoatFlow engine: QuickJS behind GoatFlow's plugin ABI (docs/goatflow.md, "TypeScript
 * plugins"). The build pre-initialises this module with Wizer: `wizer.initialize` reads the
 * plugin's bundled script from standard input, evaluates it, and the snapshot that Wizer writes
 * is the plugin. At run time the module only answers the ABI:
 *
 *   gk_register() -> i64                        the registration JSON, packed ptr << 32 | len
 *   gk_call(fnPtr, fnLen, argsPtr, argsLen) -> i64
 *   gk_malloc(size) -> ptr, gk_free(ptr)
 *
 * The script talks to the host through two globals defined here: __gk_host_call(name, json)
 * returns the answer's text or null (GoatFlow's 0 for a failure), __gk_log(level, text).
 * The script publishes globalThis.__goatkitPlugin = { register(), call(handler, args) }.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <errno.h>
#include <malloc.h>
#include <unistd.h>

#include "quickjs.h"
#include "libunicode.h"

/* The allocator limit: the module's memory is at most 16 MiB (wasm-ld --max-memory); the
 * shadow stack and the engine's static data take the rest. */
#define GK_MEMORY_LIMIT (14 * 1024 * 1024)
/* The shadow stack's size (wasm-ld -z stack-size), and the engine's own stack check below it. */
#define GK_STACK_SIZE (512 * 1024)
#define GK_STACK_LIMIT (384 * 1024)

__attribute__((import_module("gk"), import_name("host_call"))) extern int64_t gk_import_host_call(const char *fn, int32_t fn_len, const char *args, int32_t args_len);
__attribute__((import_module("gk"), import_name("log"))) extern void gk_import_log(int32_t level, const char *msg, int32_t len);

/* Tables loaded on first use. Every page of the snapshot costs each new instance, and 51 KB of
 * the engine's data are tables that most calls never read: libunicode's (case conversion of
 * characters past ASCII, normalisation, Unicode properties in regular expressions and
 * identifiers) and libm's (exp, log, pow and the trigonometry of large arguments). The build
 * (build-engine.mjs) finds where the linker put them and records it in the module's custom
 * section goatkit.lazy_data; the SDK's GoatFlow build (src/build/goatflow/lazy-data.ts) moves
 * those bytes out of the snapshot into passive segments and gives gk_load_lazy_data a body that
 * copies them in once (memory.init). Until then, as here, the tables are ordinary data and the
 * body does nothing. Every way to the tables passes through it: the linker routes the other
 * objects' calls of the functions that read them (LAZY_WRAPPED in build-engine.mjs) to the
 * __wrap_ functions below, which load the tables first. */
static volatile int lazy_data_probe;

__attribute__((noinline, export_name("gk_load_lazy_data"))) void gk_load_lazy_data(void) { lazy_data_probe = 1; }

#define LAZY_WRAP_MATH(name)                                 \
  extern double __real_##name(double);                       \
  double __wrap_##name(double x) {                           \
    gk_load_lazy_data();                                     \
    return __real_##name(x);                                 \
  }
LAZY_WRAP_MATH(exp)
LAZY_WRAP_MATH(exp2)
LAZY_WRAP_MATH(log)
LAZY_WRAP_MATH(log2)
LAZY_WRAP_MATH(sin)
LAZY_WRAP_MATH(cos)
LAZY_WRAP_MATH(tan)

extern double __real_pow(double, double);
double __wrap_pow(double x, double y) {
  gk_load_lazy_data();
  return __real_pow(x, y);
}

/* ASCII is converted without the tables, and is most of what plugins convert. */
extern int __real_lre_case_conv(uint32_t *res, uint32_t c, int conv_type);
int __wrap_lre_case_conv(uint32_t *res, uint32_t c, int conv_type) {
  if (c >= 128) gk_load_lazy_data();
  return __real_lre_case_conv(res, c, conv_type);
}

#define LAZY_WRAP_CHAR_TEST(name)            \
  extern int __real_##name(uint32_t);        \
  int __wrap_##name(uint32_t c) {            \
    gk_load_lazy_data();                     \
    return __real_##name(c);                 \
  }
LAZY_WRAP_CHAR_TEST(lre_is_cased)
LAZY_WRAP_CHAR_TEST(lre_is_case_ignorable)
LAZY_WRAP_CHAR_TEST(lre_is_id_start)
LAZY_WRAP_CHAR_TEST(lre_is_id_continue)

extern int __real_unicode_normalize(uint32_t **pdst, const uint32_t *src, int src_len, UnicodeNormalizationEnum n_type, void *opaque, void *(*realloc_func)(void *, void *, size_t));
int __wrap_unicode_normalize(uint32_t **pdst, const uint32_t *src, int src_len, UnicodeNormalizationEnum n_type, void *opaque, void *(*realloc_func)(void *, void *, size_t)) {
  gk_load_lazy_data();
  return __real_unicode_normalize(pdst, src, src_len, n_type, opaque, realloc_func);
}

extern int __real_unicode_script(CharRange *cr, const char *script_name, int is_ext);
int __wrap_unicode_script(CharRange *cr, const char *script_name, int is_ext) {
  gk_load_lazy_data();
  return __real_unicode_script(cr, script_name, is_ext);
}

extern int __real_unicode_general_category(CharRange *cr, const char *gc_name);
int __wrap_unicode_general_category(CharRange *cr, const char *gc_name) {
  gk_load_lazy_data();
  return __real_unicode_general_category(cr, gc_name);
}

extern int __real_unicode_prop(CharRange *cr, const char *prop_name);
int __wrap_unicode_prop(CharRange *cr, const char *prop_name) {
  gk_load_lazy_data();
  return __real_unicode_prop(cr, prop_name);
}

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
 * The scratch heap lives apart from malloc's heap (below), and is zeroed whole afterwards, so its
 * garbage and its bookkeeping leave no byte in the snapshot. Should the replay not match the
 * record, the initialisation runs a third time as a single PLAIN pass on malloc, freed memory
 * zeroed. At run time (RUNTIME) new blocks come from malloc: no scratch block is live by then. */
enum alloc_mode { RUNTIME, PLAIN, RECORD, REPLAY };
static enum alloc_mode alloc_mode = RUNTIME;

#define GK_MALLOC_OVERHEAD 8

/* The memory an instance starts with is the memory the snapshot declares, and each new instance
 * pays for every page of it (the engine reserves it, and the embedder counts it against its heap).
 * The initialisation needs several times what the snapshot keeps, and WebAssembly memory does not
 * shrink. So the initialisation's own memory (the script's text, the scratch heap, the survivors'
 * list) is taken from SCRATCH_BASE up, apart from malloc's heap, which grows from the bottom
 * through the sbrk below; once that area is zeroed, nothing past malloc's break is in use. The
 * build then declares only the memory up to the snapshot's last byte (SDK,
 * src/build/goatflow/snapshot-memory.ts), and initialize() marks the break's last byte so that
 * the last byte is the break's. */
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

static void *scratch_map(size_t size) {
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

static void scratch_unmap_all(void) {
  if (!scratch_area_top) return;
  explicit_bzero((void *)SCRATCH_BASE, scratch_area_top - SCRATCH_BASE);
  scratch_area_top = 0;
  heap_ceiling = 0;
}

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
static void scratch_release(void) {
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
static int collect_survivors(void) {
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

static void free_survivors(void) {
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
static int reserve_survivors(void) {
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

static void release_arena(void) {
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

static const JSMallocFunctions gk_malloc_functions = {gk_js_malloc, gk_js_free, gk_js_realloc, NULL};

/* QuickJS seeds its own Math.random (replaced below) from gettimeofday when a context is made;
 * the clock reads zero meanwhile, so that the snapshot, and the build, is byte for byte
 * reproducible. Otherwise this is wasi-libc's gettimeofday (Date reads it). */
static int clock_stopped;

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  struct timespec now = {0, 0};
  if (!clock_stopped) clock_gettime(CLOCK_REALTIME, &now);
  tv->tv_sec = now.tv_sec;
  tv->tv_usec = (suseconds_t)(now.tv_nsec / 1000);
  return 0;
}

static JSRuntime *rt;
static JSContext *ctx;
static JSValue plugin = JS_UNDEFINED;

/* Math.random: xorshift64* seeded from WASI's random_get. The snapshot would otherwise give every
 * instance of a plugin the same sequence: the first ABI call of an instance seeds it afresh. */
static uint64_t random_state;
static int seeded_after_snapshot;

static void seed_random(void) {
  do {
    if (getentropy(&random_state, sizeof random_state) != 0) random_state = 0x9e3779b97f4a7c15ull;
  } while (random_state == 0);
}

static JSValue js_math_random(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  uint64_t x = random_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  random_state = x;
  /* 52 random bits as a double in [0, 1). */
  union { double d; uint64_t u; } bits = {.u = ((x * 0x2545f4914f6cdd1dull) >> 12) | 0x3ff0000000000000ull};
  return JS_NewFloat64(c, bits.d - 1.0);
}

static void log_text(int32_t level, const char *text) { gk_import_log(level, text, (int32_t)strlen(text)); }

static JSValue js_host_call(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  size_t name_len, args_len;
  const char *name = JS_ToCStringLen(c, &name_len, argv[0]);
  if (!name) return JS_EXCEPTION;
  const char *args = JS_ToCStringLen(c, &args_len, argv[1]);
  if (!args) {
    JS_FreeCString(c, name);
    return JS_EXCEPTION;
  }
  int64_t packed = gk_import_host_call(name, (int32_t)name_len, args, (int32_t)args_len);
  JS_FreeCString(c, name);
  JS_FreeCString(c, args);
  if (packed == 0) return JS_NULL;
  char *ptr = (char *)(uintptr_t)(uint32_t)((uint64_t)packed >> 32);
  uint32_t len = (uint32_t)packed;
  JSValue text = JS_NewStringLen(c, ptr, len);
  free(ptr); /* the host wrote the answer into memory it took with gk_malloc */
  return text;
}

static JSValue js_log(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int32_t level = 1;
  size_t len;
  JS_ToInt32(c, &level, argv[0]);
  const char *text = JS_ToCStringLen(c, &len, argv[1]);
  if (!text) return JS_EXCEPTION;
  gk_import_log(level, text, (int32_t)len);
  JS_FreeCString(c, text);
  return JS_UNDEFINED;
}

/* Writes the pending exception (message and stack) to the plugin's log at level error. */
static void log_exception(const char *what) {
  JSValue error = JS_GetException(ctx);
  const char *text = JS_ToCString(ctx, error);
  JSValue stack = JS_IsObject(error) ? JS_GetPropertyStr(ctx, error, "stack") : JS_UNDEFINED;
  const char *stack_text = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;
  size_t size = strlen(what) + (text ? strlen(text) : 20) + (stack_text ? strlen(stack_text) : 0) + 8;
  char *line = malloc(size);
  if (line) {
    snprintf(line, size, "%s%s%s%s", what, text ? text : "(an unprintable value)", stack_text ? "\n" : "", stack_text ? stack_text : "");
    log_text(3, line);
    free(line);
  } else {
    log_text(3, what);
  }
  if (stack_text) JS_FreeCString(ctx, stack_text);
  if (text) JS_FreeCString(ctx, text);
  JS_FreeValue(ctx, stack);
  JS_FreeValue(ctx, error);
}

/* A JS string as the packed ptr << 32 | len of a gk_malloc'd copy; 0 for null and undefined. */
static int64_t pack_result(JSValue value) {
  if (JS_IsNull(value) || JS_IsUndefined(value)) return 0;
  size_t len;
  const char *text = JS_ToCStringLen(ctx, &len, value);
  if (!text) {
    log_exception("the plugin's result is not text: ");
    __builtin_trap();
  }
  char *out = malloc(len ? len : 1);
  if (!out) {
    log_text(3, "out of memory copying the plugin's result");
    __builtin_trap();
  }
  memcpy(out, text, len);
  JS_FreeCString(ctx, text);
  return (int64_t)(((uint64_t)(uintptr_t)out << 32) | (uint64_t)(uint32_t)len);
}

__attribute__((export_name("gk_malloc"))) void *gk_malloc(int32_t size) { return malloc(size > 0 ? (size_t)size : 1); }

__attribute__((export_name("gk_free"))) void gk_free(void *ptr) { free(ptr); }

/* Calls plugin[method](...args) and packs its text; an exception is logged and traps the call. */
static int64_t call_plugin(const char *method, int argc, JSValue *argv) {
  if (!seeded_after_snapshot) {
    seed_random();
    seeded_after_snapshot = 1;
  }
  JS_UpdateStackTop(rt);
  JSValue fn = JS_GetPropertyStr(ctx, plugin, method);
  JSValue result = JS_Call(ctx, fn, plugin, argc, argv);
  JS_FreeValue(ctx, fn);
  if (JS_IsException(result)) {
    log_exception("");
    /* A trap: the host reports the call as failed and gives the plugin a fresh instance. */
    __builtin_trap();
  }
  int64_t packed = pack_result(result);
  JS_FreeValue(ctx, result);
  return packed;
}

__attribute__((export_name("gk_register"))) int64_t gk_register(void) { return call_plugin("register", 0, NULL); }

__attribute__((export_name("gk_call"))) int64_t gk_call(const char *fn, int32_t fn_len, const char *args, int32_t args_len) {
  JSValue argv[2];
  argv[0] = JS_NewStringLen(ctx, fn_len > 0 ? fn : "", fn_len > 0 ? (size_t)fn_len : 0);
  argv[1] = JS_NewStringLen(ctx, args_len > 0 ? args : "", args_len > 0 ? (size_t)args_len : 0);
  int64_t packed = call_plugin("call", 2, argv);
  JS_FreeValue(ctx, argv[0]);
  JS_FreeValue(ctx, argv[1]);
  return packed;
}

/* The directive that keeps function sources and line tables out of the bytecode: QuickJS would
 * otherwise keep every function's source text, and the snapshot would carry the script twice.
 * No newline, so that line numbers in build-time errors stay those of the script. */
static const char STRIP_DIRECTIVE[] = "\"use strip\";";

/* Standard input to its end after STRIP_DIRECTIVE, NUL-terminated, in the initialisation's memory
 * (zeroed with it, so that none of it is left in the snapshot). */
static char *read_stdin(size_t *out_len) {
  size_t cap = 1 << 16, len = sizeof STRIP_DIRECTIVE - 1;
  char *buf = scratch_map(cap);
  if (!buf) return NULL;
  memcpy(buf, STRIP_DIRECTIVE, len);
  for (;;) {
    if (len + 1 >= cap) {
      /* The buffer is the area's last block: it grows in place. */
      if (scratch_map(cap) != buf + cap) return NULL;
      cap *= 2;
    }
    ssize_t n = read(0, buf + len, cap - len - 1);
    if (n < 0) return NULL;
    if (n == 0) break;
    len += (size_t)n;
  }
  buf[len] = 0;
  *out_len = len;
  return buf;
}

/* Zeroes the whole shadow stack (wasm-ld --stack-first puts it just below the data, which starts
 * at __global_base): the initialisation's dead frames would otherwise be in the snapshot. It runs
 * last, called from a function without a frame of its own, and has none itself: no frame is live. */
extern char __global_base;

__attribute__((noinline)) static void zero_stack(void) { explicit_bzero(&__global_base - GK_STACK_SIZE, GK_STACK_SIZE); }

/* Frees the runtime of an initialisation that is not kept. */
static void discard_runtime(void) {
  if (!rt) return;
  if (!ctx) {
    JS_FreeRuntime(rt);
    rt = NULL;
    return;
  }
  JS_FreeValue(ctx, plugin);
  plugin = JS_UNDEFINED;
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  ctx = NULL;
  rt = NULL;
}

/* One initialisation: the runtime and context, the engine's globals, the script run. Returns 1;
 * on failure, a PLAIN pass reports it and exits, the others return 0. (Emitted where it stands,
 * `used`, so that the module keeps importing gk.host_call before gk.log.) */
__attribute__((used)) static int evaluate(const char *script, size_t len) {
  int report = alloc_mode == PLAIN;
  rt = JS_NewRuntime2(&gk_malloc_functions, NULL);
  if (!rt) {
    if (report) {
      fputs("goatflow engine: out of memory creating the runtime\n", stderr);
      exit(1);
    }
    return 0;
  }
  JS_SetMemoryLimit(rt, GK_MEMORY_LIMIT);
  JS_SetMaxStackSize(rt, GK_STACK_LIMIT);
  /* The GC runs once at the end: RECORD and REPLAY must free and allocate the same blocks in the
   * same order, and when the GC would run depends on where blocks are. */
  if (!report) JS_SetGCThreshold(rt, SIZE_MAX);
  clock_stopped = 1;
  ctx = JS_NewContext(rt);
  clock_stopped = 0;
  if (!ctx) {
    if (report) {
      fputs("goatflow engine: out of memory creating the context\n", stderr);
      exit(1);
    }
    return 0;
  }
  JSValue global = JS_GetGlobalObject(ctx);
  JS_SetPropertyStr(ctx, global, "__gk_host_call", JS_NewCFunction(ctx, js_host_call, "__gk_host_call", 2));
  JS_SetPropertyStr(ctx, global, "__gk_log", JS_NewCFunction(ctx, js_log, "__gk_log", 2));
  /* A fixed seed, so that builds are reproducible; the first ABI call of an instance seeds afresh. */
  random_state = 0x9e3779b97f4a7c15ull;
  JSValue math = JS_GetPropertyStr(ctx, global, "Math");
  JS_SetPropertyStr(ctx, math, "random", JS_NewCFunction(ctx, js_math_random, "random", 0));
  JS_FreeValue(ctx, math);
  JSValue result = JS_Eval(ctx, script, len, "plugin.js", JS_EVAL_TYPE_GLOBAL);
  if (JS_IsException(result)) {
    JS_FreeValue(ctx, global);
    if (!report) return 0;
    JSValue error = JS_GetException(ctx);
    const char *text = JS_ToCString(ctx, error);
    JSValue stack = JS_IsObject(error) ? JS_GetPropertyStr(ctx, error, "stack") : JS_UNDEFINED;
    const char *stack_text = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;
    fprintf(stderr, "goatflow engine: the plugin's script threw %s\n%s", text ? text : "(an unprintable value)", stack_text ? stack_text : "");
    exit(1);
  }
  JS_FreeValue(ctx, result);
  plugin = JS_GetPropertyStr(ctx, global, "__goatkitPlugin");
  JS_FreeValue(ctx, global);
  if (!JS_IsObject(plugin)) {
    if (!report) return 0;
    fputs("goatflow engine: the script did not set globalThis.__goatkitPlugin; build it with the SDK's goatflow binding\n", stderr);
    exit(1);
  }
  JS_RunGC(rt);
  return 1;
}

/* malloc writes a free chunk's size at both of its ends, and when free chunks merge, the inner
 * ones' sizes stay behind in the free memory. After a REPLAY everything above the arena is free,
 * so that memory is taken as one block, zeroed and freed again, which clears them. */
static void zero_free_top(void) {
  uintptr_t top = (uintptr_t)arena_end, heap_end = (uintptr_t)sbrk(0);
  /* A page short of the end, so that the block is surely carved from the free memory that is
   * there rather than from memory that malloc would grow. */
  if (heap_end < top + 2 * 4096) return;
  void *block = malloc(heap_end - top - 4096);
  if (!block) return;
  explicit_bzero(block, malloc_usable_size(block));
  free(block);
}

/* Evaluates the script, RECORD then REPLAY, or PLAIN if that fails (see alloc_mode). */
__attribute__((noinline)) static void initialize(void) {
  size_t len;
  char *script = read_stdin(&len);
  if (!script) {
    fputs("goatflow engine: could not read the script from standard input\n", stderr);
    exit(1);
  }
  alloc_mode = RECORD;
  alloc_seq = 0;
  int compact = evaluate(script, len) && collect_survivors();
  discard_runtime();
  scratch_release();
  if (compact) {
    alloc_mode = REPLAY;
    alloc_seq = 0;
    replay_diverged = 0;
    compact = reserve_survivors() && evaluate(script, len) && !replay_diverged && survivors_taken == survivor_count && scratch_live == 0;
    if (!compact) {
      discard_runtime();
      release_arena();
    }
    scratch_release();
  }
  free_survivors();
  if (!compact) {
    alloc_mode = PLAIN;
    evaluate(script, len);
  }
  scratch_unmap_all();
  if (compact) zero_free_top();
  /* From here on, the GC runs as QuickJS has it run after a collection: at half as much again. */
  JSMemoryUsage usage;
  JS_ComputeMemoryUsage(rt, &usage);
  size_t threshold = (size_t)usage.malloc_size + (size_t)usage.malloc_size / 2;
  JS_SetGCThreshold(rt, threshold > 256 * 1024 ? threshold : 256 * 1024);
  alloc_mode = RUNTIME;
  /* The mark (see SCRATCH_BASE): the break's last byte, free memory of malloc's top that nothing
   * reads. */
  ((volatile char *)sbrk(0))[-1] = 1;
}

/* Wizer's initialisation: the snapshot keeps the evaluated script. Every page the snapshot touches
 * is copied into each new instance, so what is not needed afterwards (freed memory, scratch
 * memory, dead stack) is zeroed, and Wizer leaves zero bytes out. */
__attribute__((export_name("wizer.initialize"))) void wizer_initialize(void) {
  initialize();
  zero_stack();
}

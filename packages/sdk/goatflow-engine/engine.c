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
 *
 * Beside this file: snapshot-heap.c (QuickJS's allocator and the passes that pack the snapshot's
 * heap), memory-layout.c (malloc's heap apart from the initialisation's memory, so that an
 * instance starts with only the memory the snapshot needs) and lazy-tables.c (tables loaded on
 * first use instead of copied into every instance).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <malloc.h>
#include <unistd.h>

#include "quickjs.h"
#include "snapshot-heap.h"

/* The allocator limit: the module's memory is at most 16 MiB (wasm-ld --max-memory); the
 * shadow stack and the engine's static data take the rest. */
#define GK_MEMORY_LIMIT (14 * 1024 * 1024)
/* The shadow stack's size (wasm-ld -z stack-size), and the engine's own stack check below it. */
#define GK_STACK_SIZE (512 * 1024)
#define GK_STACK_LIMIT (384 * 1024)

__attribute__((import_module("gk"), import_name("host_call"))) extern int64_t gk_import_host_call(const char *fn, int32_t fn_len, const char *args, int32_t args_len);
__attribute__((import_module("gk"), import_name("log"))) extern void gk_import_log(int32_t level, const char *msg, int32_t len);

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

/* Evaluates the script, RECORD then REPLAY, or PLAIN if that fails (see alloc_mode). */
__attribute__((noinline)) static void initialize(void) {
  size_t len;
  char *script = read_stdin(&len);
  if (!script) {
    fputs("goatflow engine: could not read the script from standard input, or it is larger than the 8 MiB the initialisation has for it\n", stderr);
    exit(1);
  }
  begin_pass(RECORD);
  int compact = evaluate(script, len) && collect_survivors();
  discard_runtime();
  scratch_release();
  if (compact) {
    begin_pass(REPLAY);
    compact = reserve_survivors() && evaluate(script, len) && replay_matched();
    if (!compact) {
      discard_runtime();
      release_arena();
    }
    scratch_release();
  }
  free_survivors();
  if (!compact) {
    begin_pass(PLAIN);
    evaluate(script, len);
  }
  scratch_unmap_all(); /* the script's text with it */
  if (compact) zero_free_top();
  /* From here on, the GC runs as QuickJS has it run after a collection: at half as much again. */
  JSMemoryUsage usage;
  JS_ComputeMemoryUsage(rt, &usage);
  size_t threshold = (size_t)usage.malloc_size + (size_t)usage.malloc_size / 2;
  JS_SetGCThreshold(rt, threshold > 256 * 1024 ? threshold : 256 * 1024);
  begin_pass(RUNTIME);
  mark_heap_break();
}

/* Wizer's initialisation: the snapshot keeps the evaluated script. Every page the snapshot touches
 * is copied into each new instance, so what is not needed afterwards (freed memory, scratch
 * memory, dead stack) is zeroed, and Wizer leaves zero bytes out. */
__attribute__((export_name("wizer.initialize"))) void wizer_initialize(void) {
  initialize();
  zero_stack();
}

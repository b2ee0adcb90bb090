/*
 * The GoatFlow engine's tables loaded on first use (docs/goatflow.md). Every page of the snapshot
 * costs each new instance, and 51 KB of the engine's data are tables that most calls never read:
 * libunicode's (case conversion of characters past ASCII, normalisation, Unicode properties in
 * regular expressions and identifiers) and libm's (exp, log, pow and the trigonometry of large
 * arguments). The build
 * (build-engine.mjs) finds where the linker put them and records it in the module's custom
 * section goatkit.lazy_data; the SDK's GoatFlow build (src/build/goatflow/lazy-data.ts) moves
 * those bytes out of the snapshot into passive segments and gives gk_load_lazy_data a body that
 * copies them in once (memory.init). Until then, as here, the tables are ordinary data and the
 * body does nothing. Every way to the tables passes through it: the linker routes the other
 * objects' calls of the functions that read them (LAZY_WRAPPED in build-engine.mjs) to the
 * __wrap_ functions below, which load the tables first.
 */
#include <stddef.h>
#include <stdint.h>

#include "libunicode.h"

static volatile int lazy_data_probe;

__attribute__((noinline, export_name("gk_load_lazy_data"))) void gk_load_lazy_data(void) { lazy_data_probe = 1; }

/* A wrapper that loads the tables, then calls the function: its return type, name, parameters and
 * the arguments it passes on. */
#define LAZY_WRAP(type, name, params, args) \
  extern type __real_##name params;         \
  type __wrap_##name params {               \
    gk_load_lazy_data();                    \
    return __real_##name args;              \
  }

LAZY_WRAP(double, exp, (double x), (x))
LAZY_WRAP(double, exp2, (double x), (x))
LAZY_WRAP(double, log, (double x), (x))
LAZY_WRAP(double, log2, (double x), (x))
LAZY_WRAP(double, sin, (double x), (x))
LAZY_WRAP(double, cos, (double x), (x))
LAZY_WRAP(double, tan, (double x), (x))
LAZY_WRAP(double, pow, (double x, double y), (x, y))

LAZY_WRAP(int, lre_is_cased, (uint32_t c), (c))
LAZY_WRAP(int, lre_is_case_ignorable, (uint32_t c), (c))
LAZY_WRAP(int, lre_is_id_start, (uint32_t c), (c))
LAZY_WRAP(int, lre_is_id_continue, (uint32_t c), (c))
LAZY_WRAP(int, unicode_normalize, (uint32_t **pdst, const uint32_t *src, int src_len, UnicodeNormalizationEnum n_type, void *opaque, void *(*realloc_func)(void *, void *, size_t)), (pdst, src, src_len, n_type, opaque, realloc_func))
LAZY_WRAP(int, unicode_script, (CharRange *cr, const char *script_name, int is_ext), (cr, script_name, is_ext))
LAZY_WRAP(int, unicode_general_category, (CharRange *cr, const char *gc_name), (cr, gc_name))
LAZY_WRAP(int, unicode_prop, (CharRange *cr, const char *prop_name), (cr, prop_name))

/* ASCII is converted without the tables, and is most of what plugins convert. */
extern int __real_lre_case_conv(uint32_t *res, uint32_t c, int conv_type);
int __wrap_lre_case_conv(uint32_t *res, uint32_t c, int conv_type) {
  if (c >= 128) gk_load_lazy_data();
  return __real_lre_case_conv(res, c, conv_type);
}

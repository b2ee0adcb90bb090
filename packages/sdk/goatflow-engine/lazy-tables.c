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

// TEMPORARY: forwards the hakmem API to the system malloc until the real allocator lands
// (same session). Lets the layers above build and link against hakmem.h now.
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <mutex>

#include "hakmem.h"

namespace {
std::mutex g_mu;
const char* g_names[4096];
uint32_t g_count = 1;
}  // namespace

extern "C" {
void* hak_malloc(size_t n) { return malloc(n); }
void* hak_calloc(size_t c, size_t n) { return calloc(c, n); }
void* hak_realloc(void* p, size_t n) { return realloc(p, n); }
void* hak_aligned_alloc(size_t a, size_t n) {
  void* p = nullptr;
  int e = posix_memalign(&p, a, n);
  if (e) errno = e;
  return e ? nullptr : p;
}
void hak_free(void* p) { free(p); }
size_t hak_usable_size(const void* p) { return p ? malloc_usable_size(const_cast<void*>(p)) : 0; }
void* hak_alloc_at(size_t n, hak_site_t) { return malloc(n); }
void* hak_calloc_at(size_t c, size_t n, hak_site_t) { return calloc(c, n); }
void* hak_realloc_at(void* p, size_t n, hak_site_t) { return realloc(p, n); }
void* hak_aligned_alloc_at(size_t a, size_t n, hak_site_t) { return hak_aligned_alloc(a, n); }
hak_site_t hak_site_register(const char* name, const char*, int) {
  std::lock_guard<std::mutex> lk(g_mu);
  for (uint32_t i = 1; i < g_count; ++i)
    if (strcmp(g_names[i], name) == 0) return i;
  if (g_count == 4096) return 1;
  g_names[g_count] = name;
  return g_count++;
}
const char* hak_site_name(hak_site_t s) { return s && s < g_count ? g_names[s] : "?"; }
int hak_set_mmap_threshold(size_t) { return 0; }
size_t hak_mmap_threshold(void) { return 128 * 1024; }
void hak_collect(void) {}
const char* hak_backend(void) { return "system"; }
void hak_os_stats(hak_os_stats_t* out) { memset(out, 0, sizeof *out); }
}

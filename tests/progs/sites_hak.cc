// Linked with libhakmem.a: scenarios for the profiling tests that need their own process
// (settings are read once, at start): `wrapper`, `off`, `report PATH`.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "hakmem.h"

namespace {

// One wrapper, two callers: with HAKMEM_SITE_DEPTH=0 both are the wrapper's call site; with
// a depth of 2 or more they are told apart.
__attribute__((noinline)) void* my_alloc(size_t n) {
  void* p = hak_malloc(n);
  __asm__ volatile("" ::: "memory");
  return p;
}
__attribute__((noinline)) void caller_a(std::vector<void*>& v) {
  for (int i = 0; i < 10; ++i) v.push_back(my_alloc(2u << 20));
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void caller_b(std::vector<void*>& v) {
  for (int i = 0; i < 20; ++i) v.push_back(my_alloc(2u << 20));
  __asm__ volatile("" ::: "memory");
}

int wrapper() {
  std::vector<void*> v;
  caller_a(v);
  caller_b(v);
  int sites10 = 0, sites20 = 0, sites30 = 0;
  for (hak_site_t s = 1; s < hak_site_count(); ++s) {
    hak_site_stats_t st;
    if (hak_get_site_stats(s, &st) != 0 || !st.implicit || st.large_allocs == 0) continue;
    sites10 += st.large_allocs == 10;
    sites20 += st.large_allocs == 20;
    sites30 += st.large_allocs == 30;
    if (getenv("VERBOSE"))
      printf("  %s: %llu\n", st.name, static_cast<unsigned long long>(st.large_allocs));
  }
  printf("sites of 10: %d, of 20: %d, of 30: %d\n", sites10, sites20, sites30);
  for (void* p : v) hak_free(p);
  return 0;
}

int off() {
  hak_site_t site = HAK_SITE("off.tagged");
  std::vector<void*> v;
  for (int i = 0; i < 100000; ++i) v.push_back(hak_alloc_at(100, site));
  for (int i = 0; i < 10; ++i) v.push_back(hak_malloc(3u << 20));
  for (int i = 0; i < 100000; ++i) v.push_back(hak_malloc(64));
  hak_site_stats_t st;
  unsigned long long total = 0;
  for (hak_site_t s = 1; s < hak_site_count(); ++s)
    if (hak_get_site_stats(s, &st) == 0) total += st.allocs + st.frees + st.samples + st.bytes;
  hak_kpi_t k;
  hak_get_kpi(&k);
  printf("mode %s, recorded %llu, latency samples %.0f, live %s\n", hak_mode(), total,
         k.latency_samples, k.live_bytes > 0 ? "counted" : "zero");
  for (void* p : v) hak_free(p);
  return 0;
}

int report(const char* path) {
  hak_site_t a = HAK_SITE("report.json.string"), b = HAK_SITE("report.vm.array");
  std::vector<void*> v;
  for (int i = 0; i < 5000; ++i) v.push_back(hak_alloc_at(20 + i % 300, i % 3 ? a : b));
  for (int i = 0; i < 200000; ++i) hak_free(hak_malloc(32 + i % 200));
  for (int i = 0; i < 5; ++i) hak_free(hak_alloc_at(4u << 20, b));
  for (size_t i = 0; i < v.size(); i += 2) hak_free(v[i]);
  return hak_report_to(path) == 0 ? 0 : 1;
}

// Large blocks from one site, freed at once: the tuner's favourite kind of site.
int tune(long n) {
  for (long i = 0; i < n; ++i) {
    void* p = hak_malloc(2u << 20);
    memset(p, 1, 4096);
    hak_free(p);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "tune") == 0) return tune(atol(argv[2]));
  if (argc >= 2 && strcmp(argv[1], "wrapper") == 0) return wrapper();
  if (argc >= 2 && strcmp(argv[1], "off") == 0) return off();
  if (argc >= 3 && strcmp(argv[1], "report") == 0) return report(argv[2]);
  fprintf(stderr, "usage: sites_hak wrapper | off | report PATH | tune N\n");
  return 2;
}

// Memory goes back to the OS: after a peak is freed, RSS falls (after the purge delay, or
// at once with hak_collect), and a steady workload does not grow without bound.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "hakmem.h"

namespace {

size_t rss_bytes() {
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(f);
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// RSS means little under sanitizers (shadow memory grows with the heap).
#if defined(HAK_SANITIZER)
#define SKIP_UNDER_SANITIZERS() GTEST_SKIP() << "RSS is not meaningful under sanitizers"
#else
#define SKIP_UNDER_SANITIZERS() (void)0
#endif

// Waits (up to 3 s, with a little allocation activity, as a real program has) for RSS to
// fall below `limit`.
bool rss_falls_below(size_t limit) {
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int k = 0; k < 1000; ++k) hak_free(hak_malloc(100 + k * 13));
    if (rss_bytes() < limit) return true;
  }
  return false;
}

std::vector<void*> peak(size_t bytes, size_t block) {
  std::vector<void*> v;
  for (size_t got = 0; got < bytes; got += block) {
    void* p = hak_malloc(block);
    memset(p, 1, block);
    v.push_back(p);
  }
  return v;
}

TEST(Release, RssFallsAfterThePurgeDelay) {
  SKIP_UNDER_SANITIZERS();
  size_t base = rss_bytes();
  auto v = peak(size_t{256} << 20, 200);
  EXPECT_GT(rss_bytes(), base + (size_t{200} << 20));
  for (void* p : v) hak_free(p);
  EXPECT_TRUE(rss_falls_below(base + (size_t{40} << 20))) << rss_bytes() - base;
}

TEST(Release, CollectGivesBackAtOnce) {
  SKIP_UNDER_SANITIZERS();
  size_t base = rss_bytes();
  auto v = peak(size_t{128} << 20, 3000);
  for (void* p : v) hak_free(p);
  hak_collect();
  EXPECT_LT(rss_bytes(), base + (size_t{16} << 20));
}

TEST(Release, SteadyWorkloadStaysBounded) {
  SKIP_UNDER_SANITIZERS();
  std::vector<void*> live(5000, nullptr);
  unsigned seed = 1;
  size_t rss_after_warmup = 0;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 50000; ++i) {
      seed = seed * 1103515245 + 12345;
      size_t k = (seed >> 8) % live.size();
      hak_free(live[k]);
      size_t n = 8 + (seed >> 4) % (seed % 7 == 0 ? 100000 : 1000);
      live[k] = hak_malloc(n);
      memset(live[k], 2, n < 64 ? n : 64);
    }
    if (round == 5) rss_after_warmup = rss_bytes();
  }
  EXPECT_LT(rss_bytes(), rss_after_warmup + (size_t{32} << 20));
  for (void* p : live) hak_free(p);
}

}  // namespace

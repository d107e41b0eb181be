// Per-site statistics: exact for tagged allocations, consistent under threads, estimated
// within tolerance for plain malloc; KPIs that add up.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "hakmem.h"

namespace {

hak_site_stats_t stats(hak_site_t s) {
  hak_site_stats_t st;
  EXPECT_EQ(hak_get_site_stats(s, &st), 0);
  return st;
}

TEST(SiteStats, ExactCountsForAKnownSequence) {
  hak_site_t site = HAK_SITE("test.exact");
  std::vector<void*> small, medium, large;
  for (int i = 0; i < 100; ++i) small.push_back(hak_alloc_at(100, site));     // class 112
  for (int i = 0; i < 10; ++i) medium.push_back(hak_alloc_at(5000, site));    // class 5120
  // Large: 12 MiB, above every mmap threshold.
  for (int i = 0; i < 3; ++i) large.push_back(hak_alloc_at(12u << 20, site));
  hak_site_stats_t s = stats(site);
  EXPECT_STREQ(s.name, "test.exact");
  EXPECT_FALSE(s.implicit);
  EXPECT_FALSE(s.estimated);
  EXPECT_EQ(s.allocs, 113u);
  EXPECT_EQ(s.frees, 0u);
  EXPECT_EQ(s.bytes, 100u * 100 + 10u * 5000 + 3u * (12u << 20));
  EXPECT_EQ(s.live_bytes, int64_t{100 * 112 + 10 * 5120} + 3 * (int64_t{12} << 20));
  EXPECT_EQ(s.size_hist[7], 100u);  // 64 <= 100 < 128
  EXPECT_EQ(s.size_hist[13], 10u);  // 4096 <= 5000 < 8192
  EXPECT_EQ(s.size_hist[24], 3u);   // 8 MiB <= 12 MiB < 16 MiB
  EXPECT_EQ(s.large_allocs, 3u);
  int64_t peak = s.live_bytes;

  for (int i = 0; i < 50; ++i) hak_free(small[i]);
  small.erase(small.begin(), small.begin() + 50);
  void* grown = hak_realloc(small[0], 3000);  // moves: a free, an alloc, a realloc
  small[0] = grown;
  s = stats(site);
  EXPECT_EQ(s.allocs, 114u);
  EXPECT_EQ(s.frees, 51u);
  EXPECT_EQ(s.reallocs, 1u);
  EXPECT_EQ(s.live_bytes, peak - 51 * 112 + 3072);
  EXPECT_EQ(s.peak_live_bytes, peak);

  for (void* p : small) hak_free(p);
  for (void* p : medium) hak_free(p);
  for (void* p : large) hak_free(p);
  s = stats(site);
  EXPECT_EQ(s.allocs, s.frees);
  EXPECT_EQ(s.live_bytes, 0);
  EXPECT_EQ(s.peak_live_bytes, peak);
}

// Blocks of two sites and plain blocks of one size class, interleaved: each free counts
// against its own block's site, and a plain block against none. Past their first
// kColdAllocs (32) blocks, which share pages with others, each site's blocks live in pages
// of their own (site pages): no 64 KiB slice holds blocks of both, or plain ones.
TEST(SiteStats, SitesKeepTheirOwnCountsAndPages) {
  hak_site_t a = HAK_SITE("test.share.a"), b = HAK_SITE("test.share.b");
  std::vector<void*> as, bs, plain;
  for (int i = 0; i < 3000; ++i) {
    as.push_back(hak_alloc_at(48, a));
    plain.push_back(hak_malloc(48));
    if (i % 3 == 0) bs.push_back(hak_alloc_at(40, b));
  }
  auto slices = [](const std::vector<void*>& v, size_t from) {
    std::set<uintptr_t> out;
    for (size_t i = from; i < v.size(); ++i) out.insert(reinterpret_cast<uintptr_t>(v[i]) >> 16);
    return out;
  };
  std::set<uintptr_t> sa_pages = slices(as, 32), sb_pages = slices(bs, 32),
                      plain_pages = slices(plain, 0);
  for (uintptr_t s : sa_pages) {
    EXPECT_EQ(sb_pages.count(s), 0u);
    EXPECT_EQ(plain_pages.count(s), 0u);
  }
  for (uintptr_t s : sb_pages) EXPECT_EQ(plain_pages.count(s), 0u);
  for (size_t i = 0; i < as.size(); i += 2) hak_free(as[i]);
  for (void* p : plain) hak_free(p);
  hak_site_stats_t sa = stats(a), sb = stats(b);
  EXPECT_EQ(sa.allocs, 3000u);
  EXPECT_EQ(sa.frees, 1500u);
  EXPECT_EQ(sa.bytes, 3000u * 48);
  EXPECT_EQ(sa.size_hist[6], 3000u);  // 32 <= 48 < 64
  EXPECT_EQ(sa.live_bytes, 1500 * 48);
  EXPECT_EQ(sb.allocs, 1000u);
  EXPECT_EQ(sb.frees, 0u);
  EXPECT_EQ(sb.live_bytes, 1000 * 48);  // 40 bytes: the 48-byte class
  for (size_t i = 1; i < as.size(); i += 2) hak_free(as[i]);
  for (void* p : bs) hak_free(p);
  sa = stats(a);
  sb = stats(b);
  EXPECT_EQ(sa.frees, 3000u);
  EXPECT_EQ(sa.live_bytes, 0);
  EXPECT_EQ(sb.frees, 1000u);
  EXPECT_EQ(sb.live_bytes, 0);
  // The peak of a site page's blocks is counted when the thread's slot counts its batch
  // (at most kTagBatch, 256 blocks), not at each allocation: within one batch.
  EXPECT_LE(sa.peak_live_bytes, 3000 * 48);
  EXPECT_GE(sa.peak_live_bytes, 3000 * 48 - 256 * 48);
}

// Sizes of every value from 1 to 1024 bytes at one site, several live at a time: each exact
// size has its own slot, the counts and the size histogram stay exact.
TEST(SiteStats, EverySizeOfOneSiteIsCountedExactly) {
  hak_site_t site = HAK_SITE("test.sizes");
  std::vector<void*> live;
  uint64_t bytes = 0, hist[HAK_SIZE_BINS] = {};
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 50000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t n = 1 + x % 1024;
    void* p = hak_alloc_at(n, site);
    memset(p, 0xab, n);
    bytes += n;
    hist[64 - __builtin_clzll(n)]++;
    live.push_back(p);
    if (live.size() > 300) {
      size_t k = (x >> 20) % live.size();
      hak_free(live[k]);
      live[k] = live.back();
      live.pop_back();
    }
  }
  hak_site_stats_t s = stats(site);
  EXPECT_EQ(s.allocs, 50000u);
  EXPECT_EQ(s.frees, 50000u - live.size());
  EXPECT_EQ(s.bytes, bytes);
  for (unsigned b = 0; b < HAK_SIZE_BINS; ++b) EXPECT_EQ(s.size_hist[b], hist[b]) << "bin " << b;
  int64_t usable = 0;
  for (void* p : live) usable += static_cast<int64_t>(hak_usable_size(p));
  EXPECT_EQ(s.live_bytes, usable);
  for (void* p : live) hak_free(p);
  s = stats(site);
  EXPECT_EQ(s.frees, 50000u);
  EXPECT_EQ(s.live_bytes, 0);
}

// Blocks of a site page freed by another thread are counted at their free: the owner,
// still running, reads them freed (and its own allocations, all of them).
TEST(SiteStats, OtherThreadsFreesOfSitePagesAreCountedAtTheFree) {
  hak_site_t site = HAK_SITE("test.remote");
  std::vector<void*> blocks;
  std::atomic<int> phase{0};
  hak_site_stats_t seen{};
  std::thread owner([&] {
    for (int i = 0; i < 5000; ++i) blocks.push_back(hak_alloc_at(64, site));
    phase.store(1);
    while (phase.load() != 2) std::this_thread::yield();
    seen = stats(site);
  });
  while (phase.load() != 1) std::this_thread::yield();
  for (void* p : blocks) hak_free(p);  // another thread's blocks
  phase.store(2);
  owner.join();
  EXPECT_EQ(seen.allocs, 5000u);
  EXPECT_EQ(seen.frees, 5000u);
  EXPECT_EQ(seen.live_bytes, 0);
}

// A site id that was never registered is not trusted: the block is served, and counted
// under "other".
TEST(SiteStats, AnUnknownSiteIdIsCountedAsOther) {
  hak_site_stats_t before = stats(1);
  std::vector<void*> v;
  for (int i = 0; i < 100; ++i) v.push_back(hak_alloc_at(24, 100000 + i));
  for (void* p : v) hak_free(p);
  hak_site_stats_t after = stats(1);
  EXPECT_EQ(after.allocs, before.allocs + 100);
  EXPECT_EQ(after.frees, before.frees + 100);
}

TEST(SiteStats, StlContainersAreCountedUnderTheirTag) {
  {
    std::vector<int, hak::allocator<int, "test.stl">> v;
    for (int i = 0; i < 1000; ++i) v.push_back(i);
  }
  hak_site_stats_t s = stats(hak::allocator<int, "test.stl">::site());
  EXPECT_GT(s.allocs, 5u);
  EXPECT_EQ(s.allocs, s.frees);
  EXPECT_EQ(s.live_bytes, 0);
}

TEST(SiteStats, CountsAreConsistentUnderEightThreads) {
  hak_site_t site = HAK_SITE("test.threads");
  constexpr int kThreads = 8, kPer = 20000;
  std::vector<std::vector<void*>> handoff(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::vector<void*> mine;
      for (int i = 0; i < kPer; ++i) {
        void* p = hak_alloc_at(16 + (i % 50) * 8, site);
        (i % 2 ? mine : handoff[t]).push_back(p);
      }
      for (void* p : mine) hak_free(p);
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (void* p : handoff[(t + 1) % kThreads]) hak_free(p);  // cross-thread frees
    });
  }
  for (auto& th : ts) th.join();
  hak_site_stats_t s = stats(site);
  uint64_t bytes = 0;
  for (int i = 0; i < kPer; ++i) bytes += 16 + (i % 50) * 8;
  EXPECT_EQ(s.allocs, uint64_t{kThreads} * kPer);
  EXPECT_EQ(s.frees, uint64_t{kThreads} * kPer);
  EXPECT_EQ(s.bytes, bytes * kThreads);
  EXPECT_EQ(s.live_bytes, 0);
  EXPECT_GT(s.peak_live_bytes, 0);
}

__attribute__((noinline)) void* plain_site(size_t n) {
  void* p = hak_malloc(n);
  __asm__ volatile("" ::: "memory");  // keep the call a call (a distinct return address)
  return p;
}

__attribute__((noinline)) void* plain_site_large(size_t n) {
  void* p = hak_malloc(n | 1);  // not plain_site's code: g++ would fold the two into one
  __asm__ volatile("" ::: "memory");
  return p;
}

// A plain large block is counted exactly (its site is in its header) and is also sampled
// (for its lifetime): its free must not count again as an estimate.
TEST(SiteStats, SampledLargeBlocksAreCountedOnce) {
  for (int i = 0; i < 100; ++i) hak_free(plain_site_large(12u << 20));
  hak_site_t best = 0;
  for (hak_site_t s = 1; s < hak_site_count(); ++s) {
    hak_site_stats_t st;
    if (hak_get_site_stats(s, &st) == 0 && st.implicit && st.large_allocs >= 100) best = s;
  }
  ASSERT_NE(best, 0u);
  hak_site_stats_t s = stats(best);
  EXPECT_EQ(s.allocs, 100u);
  EXPECT_EQ(s.frees, 100u);
  EXPECT_EQ(s.live_bytes, 0);
  EXPECT_GT(s.lifetime_samples, 50u);
}

TEST(SiteStats, PlainMallocIsEstimatedWithinTolerance) {
  // 2,000,000 blocks of 64 bytes: 128 MiB, about 256 samples at one per 512 KiB, so the
  // estimate's standard error is about 6 %; allow 25 % (four of them).
  constexpr size_t kCount = 2000000;
  std::vector<void*> keep;
  for (size_t i = 0; i < kCount; ++i) {
    void* p = plain_site(64);
    if (i % 4 == 0)
      keep.push_back(p);
    else
      hak_free(p);
  }
  hak_site_t best = 0;
  uint64_t most = 0;
  for (hak_site_t s = 1; s < hak_site_count(); ++s) {
    hak_site_stats_t st;
    if (hak_get_site_stats(s, &st) == 0 && st.implicit && st.allocs > most)
      most = st.allocs, best = s;
  }
  ASSERT_NE(best, 0u);
  hak_site_stats_t s = stats(best);
  EXPECT_TRUE(s.estimated);
  EXPECT_GT(s.samples, 100u);
  EXPECT_NEAR(static_cast<double>(s.allocs), kCount, kCount * 0.25);
  EXPECT_NEAR(static_cast<double>(s.bytes), kCount * 64.0, kCount * 64.0 * 0.25);
  EXPECT_NEAR(static_cast<double>(s.frees), kCount * 0.75, kCount * 0.75 * 0.25);
  EXPECT_GT(s.lifetime_samples, 50u);  // the freed samples
  for (void* p : keep) hak_free(p);
}

TEST(SiteStats, TheSiteTableIsBoundedAndOverflowsIntoOther) {
  std::vector<hak_site_t> ids;
  for (int i = 0; i < 5000; ++i)
    ids.push_back(
        hak_site_register(("test.many." + std::to_string(i)).c_str(), __FILE__, __LINE__));
  EXPECT_LE(hak_site_count(), 4096u);
  EXPECT_EQ(ids.back(), 1u);  // "other"
  EXPECT_STREQ(hak_site_name(1), "other");
  hak_site_stats_t before = stats(1);
  hak_free(hak_alloc_at(100, ids.back()));
  hak_site_stats_t after = stats(1);
  EXPECT_EQ(after.allocs, before.allocs + 1);
  EXPECT_EQ(hak_get_site_stats(5000, &after), -1);
}

TEST(Kpi, LiveBytesAreExactAndPercentilesOrdered) {
  hak_kpi_t a, b;
  hak_get_kpi(&a);
  std::vector<void*> v;
  for (int i = 0; i < 1000; ++i) v.push_back(hak_malloc(1000));  // class 1024
  void* big = hak_malloc(5u << 20);
  hak_get_kpi(&b);
  EXPECT_EQ(b.live_bytes - a.live_bytes, 1000u * 1024 + (5u << 20));
  EXPECT_GT(b.rss_bytes, 0u);
  EXPECT_GE(b.peak_rss_bytes, b.rss_bytes);
  EXPECT_GT(b.minor_faults, 0u);
  EXPECT_GT(b.latency_samples, 0);
  EXPECT_LE(b.latency_p50_ns, b.latency_p95_ns);
  EXPECT_LE(b.latency_p95_ns, b.latency_p99_ns);
  EXPECT_LE(b.latency_p99_ns, b.latency_max_ns);  // (interpolated, never above the max)
  EXPECT_GT(b.fragmentation, 0);  // more than 1 MiB live
  EXPECT_GE(b.peak_live_bytes, b.live_bytes);
  size_t peak = b.peak_live_bytes;
  for (void* p : v) hak_free(p);
  hak_free(big);
  hak_get_kpi(&b);
  EXPECT_EQ(b.live_bytes, a.live_bytes);
  EXPECT_EQ(b.peak_live_bytes, peak);  // the peak stays
  EXPECT_GT(b.peak_fragmentation, 0);
  EXPECT_STREQ(hak_mode(), "evolving");
}

}  // namespace

// BigCache: hits give the same mapping back, misses map, a full ring evicts its oldest,
// idle blocks decay, the byte cap holds, and no block is ever handed out twice.
#include "alloc/src/bigcache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "alloc/src/stats.h"
#include "alloc/src/tuner.h"

namespace hak {
namespace {

// Fixed policies (no tuner) for the sites of these tests.
class BigCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_mode_ = g_mode;
    saved_ = bigcache_settings();
    hak_collect();  // an empty cache to start from
    g_mode = kModeBaseline;
  }
  void TearDown() override {
    bigcache_configure(saved_);
    g_mode = saved_mode_;
    hak_collect();
  }
  hak_site_t site(const char* name, bool bigcache) {
    hak_site_t s = hak_site_register(name, __FILE__, __LINE__);
    policy_set(s, Policy{4, static_cast<uint8_t>(bigcache), 0, 0});
    return s;
  }
  static BigCacheStats stats() {
    BigCacheStats s;
    bigcache_stats(&s);
    return s;
  }
  uint8_t saved_mode_;
  BigCacheSettings saved_;
};

TEST_F(BigCacheTest, AHitReturnsTheSameMapping) {
  hak_site_t s = site("bc.hit", true);
  BigCacheStats before = stats();
  auto* p = static_cast<char*>(hak_alloc_at(3u << 20, s));
  memset(p, 7, 3u << 20);
  hak_free(p);
  EXPECT_EQ(stats().blocks_held, before.blocks_held + 1);
  auto* q = static_cast<char*>(hak_alloc_at(3u << 20, s));
  EXPECT_EQ(q, p);  // the same, already faulted-in mapping
  EXPECT_EQ(stats().hits, before.hits + 1);
  hak_site_stats_t st;
  ASSERT_EQ(hak_get_site_stats(s, &st), 0);
  EXPECT_EQ(st.bigcache_hits, 1u);
  EXPECT_EQ(st.bigcache_misses, 1u);
  hak_free(q);
}

TEST_F(BigCacheTest, OffMeansNoCaching) {
  hak_site_t s = site("bc.off", false);
  BigCacheStats before = stats();
  hak_free(hak_alloc_at(3u << 20, s));
  EXPECT_EQ(stats().blocks_held, before.blocks_held);
  EXPECT_EQ(stats().puts, before.puts);
}

TEST_F(BigCacheTest, ASmallerCachedBlockGrowsAndABiggerOneIsUsed) {
  hak_site_t s = site("bc.grow", true);
  auto* p = static_cast<char*>(hak_alloc_at(2u << 20, s));
  memset(p, 3, 2u << 20);
  hak_free(p);
  auto* q = static_cast<char*>(hak_alloc_at(6u << 20, s));  // grown by mremap: a hit
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q[100], 0x03) << "a grown block keeps its pages";  // (the contents are stale)
  memset(q, 4, 6u << 20);
  hak_free(q);
  auto* r = static_cast<char*>(hak_alloc_at(5u << 20, s));  // fits the 6 MiB mapping
  EXPECT_EQ(r, q);
  hak_free(r);
}

TEST_F(BigCacheTest, AFullRingEvictsItsOldest) {
  hak_site_t s = site("bc.evict", true);
  std::vector<void*> ps;
  for (int i = 0; i < 6; ++i) ps.push_back(hak_alloc_at((3u + i) << 20, s));
  BigCacheStats before = stats();
  for (void* p : ps) hak_free(p);  // 6 frees into a 4-slot ring
  BigCacheStats after = stats();
  EXPECT_EQ(after.puts, before.puts + 6);
  EXPECT_GE(after.evictions, before.evictions + 2);
  EXPECT_LE(after.blocks_held, before.blocks_held + kBigCacheSlots);
}

TEST_F(BigCacheTest, IdleBlocksDecay) {
  BigCacheSettings set = saved_;
  set.decay_ns = 30'000'000;  // 30 ms
  bigcache_configure(set);
  hak_site_t s = site("bc.decay", true);
  hak_free(hak_alloc_at(4u << 20, s));
  EXPECT_EQ(bigcache_site_bytes(s), size_t{5} << 20);  // 4 MiB + header, rounded
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  bigcache_flush(false);  // what any cache operation does once the decay is due
  EXPECT_EQ(bigcache_site_bytes(s), 0u);
}

TEST_F(BigCacheTest, TheByteCapHolds) {
  BigCacheSettings set = saved_;
  set.cap_bytes = size_t{40} << 20;
  bigcache_configure(set);
  hak_site_t a = site("bc.cap.a", true), b = site("bc.cap.b", true);
  std::vector<void*> ps;
  for (int i = 0; i < 4; ++i) ps.push_back(hak_alloc_at(9u << 20, i % 2 ? a : b));
  for (void* p : ps) hak_free(p);
  EXPECT_LE(stats().bytes_held, size_t{40} << 20);
}

TEST_F(BigCacheTest, NoBlockIsHandedOutTwice) {
  hak_site_t s = site("bc.threads", true);
  std::mutex mu;
  std::set<void*> live;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::vector<std::pair<char*, size_t>> mine;
      for (int i = 0; i < 300; ++i) {
        size_t n = (size_t{2} << 20) + rng() % (size_t{3} << 20);
        auto* p = static_cast<char*>(hak_alloc_at(n, s));
        ASSERT_NE(p, nullptr);
        {
          std::lock_guard<std::mutex> lk(mu);
          ASSERT_TRUE(live.insert(p).second) << "handed out twice: " << static_cast<void*>(p);
        }
        p[0] = static_cast<char>(t);
        p[n - 1] = static_cast<char>(t);
        mine.emplace_back(p, n);
        if (mine.size() > 3 || rng() % 2) {
          auto [q, m] = mine[rng() % mine.size()];
          ASSERT_EQ(q[0], static_cast<char>(t));
          ASSERT_EQ(q[m - 1], static_cast<char>(t));
          {
            std::lock_guard<std::mutex> lk(mu);
            live.erase(q);
          }
          hak_free(q);
          std::erase_if(mine, [q](auto& x) { return x.first == q; });
        }
      }
      for (auto [q, m] : mine) {
        {
          std::lock_guard<std::mutex> lk(mu);
          live.erase(q);
        }
        hak_free(q);
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_TRUE(live.empty());
}

}  // namespace
}  // namespace hak

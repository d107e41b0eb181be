// The C API: contents survive realloc, calloc zeroes, and bad input gets what glibc gives.
#include <errno.h>
#include <gtest/gtest.h>
#include <stdint.h>
#include <string.h>

#include <set>
#include <vector>

#include "hakmem.h"

namespace {

void fill(void* p, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; ++i) static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(seed + i * 7);
}
bool check(const void* p, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; ++i)
    if (static_cast<const uint8_t*>(p)[i] != static_cast<uint8_t>(seed + i * 7)) return false;
  return true;
}

TEST(Api, MallocZeroGivesUniquePointers) {
  std::set<void*> seen;
  std::vector<void*> ps;
  for (int i = 0; i < 1000; ++i) {
    void* p = hak_malloc(0);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(seen.insert(p).second);
    ps.push_back(p);
  }
  for (void* p : ps) hak_free(p);
}

TEST(Api, FreeNullIsANoOp) { hak_free(nullptr); }

TEST(Api, UsableSizeCoversTheRequest) {
  for (size_t n : {1ul, 7ul, 100ul, 1000ul, 5000ul, 70000ul, 300000ul, 3000000ul, 40000000ul}) {
    void* p = hak_malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_GE(hak_usable_size(p), n);
    EXPECT_LT(hak_usable_size(p), n + n / 4 + 4096) << n;
    memset(p, 1, hak_usable_size(p));  // all of it is writable
    hak_free(p);
  }
  EXPECT_EQ(hak_usable_size(nullptr), 0u);
}

TEST(Api, ReallocGrowsAndShrinksKeepingContents) {
  // Through every tier: small, medium, large (mremap), and back down.
  size_t sizes[] = {1, 24, 200, 4000, 60000, 900000, 5000000, 70000000, 3000000, 100, 8};
  void* p = hak_malloc(sizes[0]);
  fill(p, sizes[0], 3);
  size_t have = sizes[0];
  for (size_t n : sizes) {
    void* q = hak_realloc(p, n);
    ASSERT_NE(q, nullptr) << n;
    size_t keep = have < n ? have : n;
    ASSERT_TRUE(check(q, keep, 3)) << "contents lost growing/shrinking to " << n;
    fill(q, n, 3);
    p = q;
    have = n;
  }
  hak_free(p);
}

TEST(Api, ReallocNullAndZeroAsGlibc) {
  void* p = hak_realloc(nullptr, 100);  // realloc(NULL, n) is malloc(n)
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(hak_realloc(p, 0), nullptr);  // realloc(p, 0) frees p and returns NULL
  void* z = hak_realloc(nullptr, 0);
  EXPECT_NE(z, nullptr);
  hak_free(z);
}

TEST(Api, CallocZeroesAlsoReusedMemory) {
  for (size_t n : {16ul, 1000ul, 100000ul, 3000000ul}) {
    for (int round = 0; round < 3; ++round) {
      void* p = hak_malloc(n);
      memset(p, 0xFF, n);
      hak_free(p);
      uint8_t* z = static_cast<uint8_t*>(hak_calloc(n / 8, 8));
      ASSERT_NE(z, nullptr);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(z[i], 0) << n << " at " << i;
      hak_free(z);
    }
  }
}

TEST(Api, CallocOverflowIsEnomem) {
  errno = 0;
  EXPECT_EQ(hak_calloc(SIZE_MAX / 2, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(hak_calloc(1ul << 33, 1ul << 33), nullptr);
  EXPECT_EQ(errno, ENOMEM);
}

TEST(Api, AbsurdSizesAreEnomem) {
  for (size_t n : {SIZE_MAX, SIZE_MAX / 2, SIZE_MAX - 4096, (size_t{1} << 62)}) {
    errno = 0;
    EXPECT_EQ(hak_malloc(n), nullptr) << n;
    EXPECT_EQ(errno, ENOMEM);
    errno = 0;
    EXPECT_EQ(hak_aligned_alloc(64, n), nullptr);
    EXPECT_EQ(errno, ENOMEM);
  }
  void* p = hak_malloc(10);
  errno = 0;
  EXPECT_EQ(hak_realloc(p, SIZE_MAX), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(hak_usable_size(p), 16u);  // the old block is untouched
  hak_free(p);
}

TEST(Api, BadAlignmentIsEinval) {
  for (size_t a : {0ul, 3ul, 24ul, 100ul, 4097ul}) {
    errno = 0;
    EXPECT_EQ(hak_aligned_alloc(a, 64), nullptr) << a;
    EXPECT_EQ(errno, EINVAL);
  }
}

TEST(Api, EveryPowerOfTwoAlignment) {
  for (size_t a = 1; a <= (size_t{64} << 20); a <<= 1) {
    for (size_t n : {1ul, a / 2 + 1, a, 3 * a + 5, 100000ul}) {
      void* p = hak_aligned_alloc(a, n);
      ASSERT_NE(p, nullptr) << a << " " << n;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % a, 0u) << a << " " << n;
      EXPECT_GE(hak_usable_size(p), n);
      memset(p, 0x5A, n);
      hak_free(p);
    }
  }
}

TEST(Api, ThresholdIsOneOfEightSteps) {
  size_t old = hak_mmap_threshold();
  EXPECT_EQ(old, size_t{8} << 20);  // the default: blocks up to 8 MiB live in segments
  for (size_t t = 64 * 1024; t <= 8 * 1024 * 1024; t *= 2) {
    EXPECT_EQ(hak_set_mmap_threshold(t), 0);
    EXPECT_EQ(hak_mmap_threshold(), t);
    // Just above the threshold is a large block, just below is not: both work.
    void* a = hak_malloc(t - 16);
    void* b = hak_malloc(t + 1);
    ASSERT_TRUE(a && b);
    memset(a, 1, t - 16);
    memset(b, 2, t + 1);
    hak_free(a);
    hak_free(b);
  }
  errno = 0;
  EXPECT_EQ(hak_set_mmap_threshold(100000), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(hak_set_mmap_threshold(size_t{16} << 20), -1);
  EXPECT_EQ(hak_set_mmap_threshold(old), 0);
}

TEST(Api, LargeBlocksAreCachedAndReturned) {
  hak_os_stats_t before, after;
  hak_collect();
  hak_os_stats(&before);
  for (int i = 0; i < 50; ++i) {
    void* p = hak_malloc(16u << 20);  // above every threshold: a large block
    memset(p, i, 16u << 20);
    hak_free(p);
  }
  hak_collect();  // gives cached blocks back
  hak_os_stats(&after);
  EXPECT_EQ(after.large_blocks, before.large_blocks);
}

TEST(Api, SitesAreStableByName) {
  hak_site_t a = hak_site_register("test.alpha", __FILE__, __LINE__);
  hak_site_t b = hak_site_register("test.beta", __FILE__, __LINE__);
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(hak_site_register("test.alpha", "elsewhere.c", 1), a);
  EXPECT_STREQ(hak_site_name(a), "test.alpha");
  hak_site_t c = HAK_SITE("test.macro");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(HAK_SITE("test.macro"), c);
  void* p = hak_alloc_at(100, a);
  void* q = hak_calloc_at(10, 10, b);
  p = hak_realloc_at(p, 5000, a);
  ASSERT_TRUE(p && q);
  hak_free(p);
  hak_free(q);
}

TEST(Api, StlAllocatorCarriesItsTag) {
  std::vector<int, hak::allocator<int, "test.vector">> v;
  for (int i = 0; i < 100000; ++i) v.push_back(i);
  EXPECT_EQ(v[99999], 99999);
  EXPECT_STREQ(hak_site_name(hak::allocator<int, "test.vector">::site()), "test.vector");
  std::vector<char, hak::site_allocator<char>> w{hak::site_allocator<char>(HAK_SITE("test.w"))};
  w.resize(1000);
}

TEST(Api, BackendIsHakmemByDefault) { EXPECT_STREQ(hak_backend(), "hakmem"); }

}  // namespace

// Wrong use: invalid and double frees are detected and abort with a one-line message that
// names the pointer and the problem.
//
// These tests run twice: in alloc_test against the default library, and in
// alloc_secure_test against libhakmem-secure (HAK_SECURE=1). The default library names
// every pointer it never handed out, a block freed twice in a row, a large block freed
// twice, and what its slow paths see (an interior pointer into a tagged page); the secure
// variant catches every double free and interior pointer exactly (docs/ALLOCATOR.md).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <thread>

#include "hakmem.h"

namespace {

// "fast" (fork without exec): the child has the same addresses, so messages can name them.
class Misuse : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "fast"); }
};

std::string hex(const void* p) {
  char buf[32];
  snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

TEST_F(Misuse, DoubleFreeSmall) {
  void* p = hak_malloc(32);
  EXPECT_DEATH(
      {
        hak_free(p);
        hak_free(p);
      },
      "hakmem: free\\(\\): double free of " + hex(p));
  hak_free(p);
}

#if HAK_SECURE
TEST_F(Misuse, DoubleFreeAfterOtherFrees) {
  void* p = hak_malloc(48);
  void* q = hak_malloc(48);
  EXPECT_DEATH(
      {
        hak_free(p);
        hak_free(q);
        hak_free(p);
      },
      "double free of " + hex(p));
  hak_free(p);
  hak_free(q);
}

// Tagged blocks are freed on a path of their own (the site's count goes down): it checks
// as much as the plain one.
TEST_F(Misuse, DoubleFreeTagged) {
  hak_site_t site = HAK_SITE("test.misuse.tagged");
  void* p = hak_alloc_at(40, site);
  void* q = hak_alloc_at(40, site);
  EXPECT_DEATH(
      {
        hak_free(p);
        hak_free(q);
        hak_free(p);
      },
      "double free of " + hex(p));
  hak_free(p);
  hak_free(q);
}
#endif  // HAK_SECURE

TEST_F(Misuse, FreeOfAnInteriorPointerTagged) {
  char* p = static_cast<char*>(hak_alloc_at(100, HAK_SITE("test.misuse.interior")));
  EXPECT_DEATH(hak_free(p + 16), "invalid pointer " + hex(p + 16) + " \\(not a block");
  hak_free(p);
}

TEST_F(Misuse, DoubleFreeMedium) {
  void* p = hak_malloc(20000);
  EXPECT_DEATH(
      {
        hak_free(p);
        hak_free(p);
      },
      "double free of " + hex(p));
  hak_free(p);
}

TEST_F(Misuse, DoubleFreeLarge) {
  void* p = hak_malloc(16u << 20);  // above every threshold: a large block
  EXPECT_DEATH(
      {
        hak_free(p);
        hak_free(p);
      },
      "double free of " + hex(p) + " \\(large block");
  hak_free(p);
}

TEST_F(Misuse, DoubleFreeFromAnotherThread) {
  void* p = hak_malloc(64);
  EXPECT_DEATH(
      {
        std::thread t([p] {
          hak_free(p);
          hak_free(p);
        });
        t.join();
      },
      "double free");
  hak_free(p);
}

TEST_F(Misuse, FreeOfAStackPointer) {
  int local = 0;
  EXPECT_DEATH(hak_free(&local),
               "free\\(\\): invalid pointer " + hex(&local) + " \\(not allocated by hakmem\\)");
}

TEST_F(Misuse, FreeOfAPointerFromAnotherAllocator) {
  void* p = malloc(100);
  EXPECT_DEATH(hak_free(p), "invalid pointer " + hex(p));
  free(p);
}

#if HAK_SECURE
TEST_F(Misuse, FreeOfAnInteriorPointer) {
  char* p = static_cast<char*>(hak_malloc(100));
  EXPECT_DEATH(hak_free(p + 16), "invalid pointer " + hex(p + 16) + " \\(not a block");
  hak_free(p);
}
#endif

TEST_F(Misuse, FreeOfAnInteriorPointerOfALargeBlock) {
  char* big = static_cast<char*>(hak_malloc(16u << 20));
  EXPECT_DEATH(hak_free(big + 4096), "invalid pointer " + hex(big + 4096));
  hak_free(big);
}

// A block above 64 KiB has a page of its own whose later slices are not mapped to it: a
// pointer into them finds no block in use there.
TEST_F(Misuse, FreeOfAnInteriorPointerOfAOneBlockPage) {
  char* p = static_cast<char*>(hak_malloc(1u << 20));
  EXPECT_DEATH(hak_free(p + 200000), "invalid pointer " + hex(p + 200000) + " \\(not a block");
#if HAK_SECURE
  EXPECT_DEATH(hak_free(p + 8), "invalid pointer " + hex(p + 8) + " \\(not a block");
#endif
  EXPECT_DEATH((void)hak_usable_size(p + 100000), "malloc_usable_size\\(\\): invalid pointer");
  EXPECT_EQ(hak_usable_size(p), size_t{1} << 20);
  hak_free(p);
}

// Another thread's block goes the remote way, where the default library checks too.
TEST_F(Misuse, FreeOfAnInteriorPointerFromAnotherThread) {
  char* p = static_cast<char*>(hak_malloc(100));
  EXPECT_DEATH(
      {
        std::thread t([p] { hak_free(p + 8); });
        t.join();
      },
      "invalid pointer " + hex(p + 8) + " \\(not a block");
  hak_free(p);
}

TEST_F(Misuse, DoubleFreeOfABlockWhosePageWentBack) {
  // The only block of a 48 KiB page: its free gives the page back (it is not the class's
  // only page), so the second free finds no page in use there.
  void* keep = hak_malloc(48 * 1024);
  void* p = hak_malloc(48 * 1024);
  void* others[16];
  for (auto& o : others) o = hak_malloc(48 * 1024);
  EXPECT_DEATH(
      {
        for (auto& o : others) hak_free(o);
        hak_free(p);
        hak_free(p);
      },
      "free\\(\\): (double free|invalid pointer) .*" + hex(p));
  for (auto& o : others) hak_free(o);
  hak_free(p);
  hak_free(keep);
}

TEST_F(Misuse, ReallocAndUsableSizeCheckToo) {
  int local = 0;
  EXPECT_DEATH(hak_free(hak_realloc(&local, 10)), "realloc\\(\\): invalid pointer");
  EXPECT_DEATH((void)hak_usable_size(&local), "malloc_usable_size\\(\\): invalid pointer");
}

#if HAK_SECURE
// A write after free over the block's free-list link: the secure variant names the damage
// when the link would be followed, instead of handing out what it points at.
TEST_F(Misuse, WriteAfterFreeOverTheLinkIsCaughtBySecure) {
  EXPECT_DEATH(
      {
        void* keep[64];
        for (auto& k : keep) k = hak_malloc(64);
        for (auto& k : keep) hak_free(k);
        memset(keep[63], 0x41, 8);  // NOLINT: the point of the test
        for (int i = 0; i < 100000; ++i) {
          void* p = hak_malloc(64);
          EXPECT_NE(p, nullptr);
        }
      },
      "heap corruption: the free block .* was written after it was freed");
}
#endif

#if HAK_DEBUG >= 2
TEST_F(Misuse, WriteAfterFreeIsCaughtInDebugBuilds) {
  EXPECT_DEATH(
      {
        char* p = static_cast<char*>(hak_malloc(64));
        hak_free(p);
        p[20] = 'x';  // NOLINT: the point of the test
        for (int i = 0; i < 100000; ++i) hak_free(hak_malloc(64));
      },
      "use after free: block .* was written at offset 20");
}
#endif

}  // namespace

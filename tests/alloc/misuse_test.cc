// Wrong use: invalid and double frees are detected and abort with a one-line message that
// names the pointer and the problem; nothing is silently corrupted.
#include <gtest/gtest.h>
#include <stdlib.h>

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
  void* p = hak_malloc(8u << 20);
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

TEST_F(Misuse, FreeOfAnInteriorPointer) {
  char* p = static_cast<char*>(hak_malloc(100));
  EXPECT_DEATH(hak_free(p + 16), "invalid pointer " + hex(p + 16) + " \\(not a block");
  char* big = static_cast<char*>(hak_malloc(4u << 20));
  EXPECT_DEATH(hak_free(big + 4096), "invalid pointer " + hex(big + 4096));
  hak_free(p);
  hak_free(big);
}

TEST_F(Misuse, ReallocAndUsableSizeCheckToo) {
  int local = 0;
  EXPECT_DEATH(hak_free(hak_realloc(&local, 10)), "realloc\\(\\): invalid pointer");
  EXPECT_DEATH((void)hak_usable_size(&local), "malloc_usable_size\\(\\): invalid pointer");
}

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

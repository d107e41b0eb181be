// Size classes: every size maps to the smallest class that holds it, and every class's
// blocks are aligned as malloc promises.
#include <gtest/gtest.h>

#include "alloc/src/internal.h"
#include "hakmem.h"

namespace hak {
namespace {

TEST(SizeClass, SmallestClassThatFits) {
  for (size_t n = 1; n <= kMediumMax; n += (n < 4096 ? 1 : n / 64)) {
    unsigned c = size_class(n);
    ASSERT_LT(c, kClasses) << n;
    EXPECT_GE(class_size(c), n) << n;
    if (c > 0) {
      EXPECT_LT(class_size(c - 1), n) << n;
    }
  }
  EXPECT_EQ(size_class(kMediumMax), kClasses - 1);
}

TEST(SizeClass, ClassSizesGrowAndAreSixteenAligned) {
  EXPECT_EQ(class_size(0), 8u);
  for (unsigned c = 1; c < kClasses; ++c) {
    EXPECT_GT(class_size(c), class_size(c - 1));
    EXPECT_EQ(class_size(c) % 16, 0u) << c;
    EXPECT_EQ(size_class(class_size(c)), c);
    // About four classes per doubling above 128 bytes: waste stays under 25 %.
    if (class_size(c) > 128) {
      EXPECT_LE(class_size(c) * 4, class_size(c - 1) * 5 + 4);
    }
  }
}

TEST(SizeClass, PagesHoldSeveralBlocksUpTo64KiBAndOneAbove) {
  // About 8 blocks per page up to 64 KiB, exactly one above, with room for the secure
  // variant's bitmap and the site ids; a one-block page wastes less than a slice.
  for (unsigned c = 0; c < kClasses; ++c) {
    size_t span = class_slices(c) * kSliceSize, bs = class_size(c);
    size_t blocks = (span - (span / bs + 63) / 64 * 8) / (bs + 2);
    if (bs <= 64 * 1024) {
      EXPECT_GE(blocks, 7u) << c;
    } else {
      EXPECT_EQ(blocks, 1u) << c;
      EXPECT_LT(span - bs, kSliceSize + 16) << c;
    }
    EXPECT_LE(class_slices(c), kSlices - kFirstSlice);
  }
}

TEST(SizeClass, EveryClassIsAlignedAndUsable) {
  for (unsigned c = 0; c < kClasses; ++c) {
    size_t n = class_size(c);
    if (n > hak_mmap_threshold()) break;
    void* ps[3];
    for (void*& p : ps) {
      p = hak_malloc(n);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (n >= 16 ? 16 : 8), 0u) << n;
      EXPECT_EQ(hak_usable_size(p), n);
      memset(p, 0xAB, n);
    }
    for (void* p : ps) hak_free(p);
  }
}

TEST(SizeClass, DirectTableCoversEverySmallSize) {
  for (size_t n = 0; n <= kSmallMax; ++n) {
    void* p = hak_malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_GE(hak_usable_size(p), n == 0 ? 1 : n);
    EXPECT_EQ(hak_usable_size(p), class_size(size_class(n)));
    hak_free(p);
  }
}

}  // namespace
}  // namespace hak

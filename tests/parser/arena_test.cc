// The arena under the AST and the DOM: alignment, growth, big blocks, release.
#include "parser/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "parser/text_buffer.h"

namespace hako {
namespace {

TEST(Arena, AlignsAndKeepsBlocksApart) {
  Arena a(HAK_SITE("test.arena"), 64);
  char* prev_end = nullptr;
  for (int i = 0; i < 1000; ++i) {
    size_t n = 1 + static_cast<size_t>(i % 37);
    size_t align = size_t{1} << (i % 5);  // 1..16
    auto* p = static_cast<char*>(a.alloc(n, align));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u);
    std::memset(p, i & 0xff, n);  // ASan checks the bounds
    if (prev_end && p > prev_end - 64 && p < prev_end) ADD_FAILURE() << "overlap";
    prev_end = p + n;
  }
  EXPECT_GT(a.reserved(), 1000u);
}

TEST(Arena, BigBlocksGetChunksOfTheirOwnAndTheRestStaysUsable) {
  Arena a(HAK_SITE("test.arena"), 1024);
  auto* small = static_cast<char*>(a.alloc(16));
  auto* big = static_cast<char*>(a.alloc(1 << 20));
  ASSERT_TRUE(small && big);
  std::memset(big, 1, 1 << 20);
  auto* next = static_cast<char*>(a.alloc(16));
  // The current chunk still serves small requests right after the first one.
  EXPECT_EQ(next, small + 16);
  EXPECT_EQ(a.alloc(SIZE_MAX / 2), nullptr);  // absurd sizes fail cleanly
  EXPECT_EQ(a.alloc_array<uint64_t>(SIZE_MAX / 4), nullptr);
}

TEST(Arena, CopyReleaseAndMove) {
  Arena a(HAK_SITE("test.arena"));
  for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 100}) {
    std::string s(n, 'x');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    char* c = a.copy(s.data(), n);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(std::string(c, n), s);
  }
  Arena b(std::move(a));
  EXPECT_EQ(a.reserved(), 0u);
  EXPECT_GT(b.reserved(), 0u);
  b.release();
  EXPECT_EQ(b.reserved(), 0u);
  EXPECT_NE(b.alloc(8), nullptr);  // usable again
}

TEST(TextBuffer, AppendsAndFormats) {
  TextBuffer t(HAK_SITE("test.text"));
  ASSERT_TRUE(t.append("ab"));
  ASSERT_TRUE(t.append('c'));
  ASSERT_TRUE(t.appendf(" %d %s", 42, std::string(300, 'z').c_str()));
  EXPECT_EQ(t.view().substr(0, 7), "abc 42 ");
  EXPECT_EQ(t.view().size(), 7u + 300u);
  t.clear();
  EXPECT_TRUE(t.view().empty());
}

}  // namespace
}  // namespace hako

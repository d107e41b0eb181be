// A bump allocator. Memory comes from hakmem in chunks attributed to one site and goes back
// all at once when the arena dies. The AST and the JSON DOM keep one arena per kind of data
// (ast.node, json.string, json.array, ...) so that hakmem's per-site statistics say what the
// memory is for, while each node costs a pointer bump instead of an allocator call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hakmem.h"

namespace hako {

class Arena {
 public:
  // Chunks start at `first_chunk` bytes and double up to kMaxChunk.
  explicit Arena(hak_site_t site, size_t first_chunk = 1024) noexcept
      : site_(site), next_size_(first_chunk < 64 ? 64 : first_chunk) {}
  ~Arena() { release(); }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&& o) noexcept;
  Arena& operator=(Arena&& o) noexcept;

  // `n` bytes aligned to `align` (a power of two, at most 16); nullptr when out of memory.
  // Never nullptr for n == 0 unless out of memory.
  void* alloc(size_t n, size_t align = alignof(void*)) {
    uintptr_t p = (cur_ + align - 1) & ~static_cast<uintptr_t>(align - 1);
    if (__builtin_expect(p <= end_ && end_ - p >= n && cur_ != 0, 1)) {
      cur_ = p + n;
      return reinterpret_cast<void*>(p);
    }
    return alloc_slow(n, align);
  }
  template <class T>  // T may be a pointer type (lists of nodes)
  T* alloc_array(size_t n) {
    constexpr size_t size = sizeof(T);  // NOLINT(bugprone-sizeof-expression)
    if (n > SIZE_MAX / size) return nullptr;
    return static_cast<T*>(alloc(n * size, alignof(T)));
  }
  // A copy of [p, p + n) (no terminator added); nullptr when out of memory.
  char* copy(const char* p, size_t n) {
    auto* d = static_cast<char*>(alloc(n, 1));
    if (!d) return nullptr;
    if (n <= 16 && n >= 8) {  // the common short key: two overlapping words, no call
      uint64_t a, b;
      __builtin_memcpy(&a, p, 8);
      __builtin_memcpy(&b, p + n - 8, 8);
      __builtin_memcpy(d, &a, 8);
      __builtin_memcpy(d + n - 8, &b, 8);
    } else {
      __builtin_memcpy(d, p, n);
    }
    return d;
  }

  // Gives every chunk back; the arena can be used again afterwards.
  void release();
  // Bytes obtained from hakmem (for tests and statistics).
  size_t reserved() const { return reserved_; }
  hak_site_t site() const { return site_; }

  static constexpr size_t kMaxChunk = size_t{1} << 20;

 private:
  struct Chunk {
    Chunk* next;
    size_t size;
  };
  void* alloc_slow(size_t n, size_t align);

  uintptr_t cur_ = 0, end_ = 0;
  Chunk* chunks_ = nullptr;
  size_t reserved_ = 0;
  hak_site_t site_;
  size_t next_size_;
};

}  // namespace hako

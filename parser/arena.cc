#include "parser/arena.h"

#include <cstring>
#include <utility>

namespace hako {

namespace {
// Chunk headers keep the payload 16-byte aligned.
constexpr size_t kHeader = 16;
}  // namespace

Arena::Arena(Arena&& o) noexcept
    : cur_(o.cur_),
      end_(o.end_),
      chunks_(o.chunks_),
      reserved_(o.reserved_),
      site_(o.site_),
      next_size_(o.next_size_) {
  o.cur_ = o.end_ = 0;
  o.chunks_ = nullptr;
  o.reserved_ = 0;
}

Arena& Arena::operator=(Arena&& o) noexcept {
  if (this != &o) {
    release();
    cur_ = std::exchange(o.cur_, 0);
    end_ = std::exchange(o.end_, 0);
    chunks_ = std::exchange(o.chunks_, nullptr);
    reserved_ = std::exchange(o.reserved_, 0);
    site_ = o.site_;
    next_size_ = o.next_size_;
  }
  return *this;
}

void* Arena::alloc_slow(size_t n, size_t align) {
  if (n > SIZE_MAX / 2 - kHeader - align) return nullptr;
  size_t need = n + align;
  // A request much bigger than the chunk size gets a chunk of its own, linked behind the
  // current one so that the current chunk's free space is not lost.
  bool own = need > next_size_ / 2 && cur_ != 0;
  size_t size = own ? need : (need > next_size_ ? need : next_size_);
  auto* c = static_cast<Chunk*>(hak_alloc_at(size + kHeader, site_));
  if (!c) return nullptr;
  c->size = size + kHeader;
  reserved_ += c->size;
  uintptr_t base = reinterpret_cast<uintptr_t>(c) + kHeader;
  uintptr_t p = (base + align - 1) & ~static_cast<uintptr_t>(align - 1);
  if (own) {
    c->next = chunks_->next;
    chunks_->next = c;
    return reinterpret_cast<void*>(p);
  }
  c->next = chunks_;
  chunks_ = c;
  if (next_size_ < kMaxChunk) next_size_ *= 2;
  cur_ = p + n;
  end_ = base + size;
  return reinterpret_cast<void*>(p);
}

void Arena::release() {
  for (Chunk* c = chunks_; c;) {
    Chunk* next = c->next;
    hak_free(c);
    c = next;
  }
  chunks_ = nullptr;
  cur_ = end_ = 0;
  reserved_ = 0;
}

}  // namespace hako

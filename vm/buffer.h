// A growable byte buffer for building text (str, print, join, format, json), counted by the
// runtime and within its memory limit (site vm.buffer). The first 200 bytes need no
// allocation. Growing it is a collection point.
#pragma once

#include <cstring>
#include <string_view>

#include "vm/runtime.h"

namespace hako::vm {

class Buffer {
 public:
  explicit Buffer(Runtime& rt) : rt_(rt) {}
  ~Buffer() {
    if (data_ != small_) rt_.free(data_, cap_);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // Each returns false after raising "out of memory".
  bool reserve(size_t n) { return cap_ - len_ >= n || grow(n); }
  bool append(std::string_view s) {
    if (!reserve(s.size())) return false;
    if (!s.empty()) std::memcpy(data_ + len_, s.data(), s.size());
    len_ += s.size();
    return true;
  }
  bool append(char c) {
    if (!reserve(1)) return false;
    data_[len_++] = c;
    return true;
  }
  // Writing in place: reserve(n), write at end(), then commit(k) for k <= n bytes.
  char* end() { return data_ + len_; }
  void commit(size_t n) { len_ += n; }

  std::string_view view() const { return {data_, len_}; }
  size_t size() const { return len_; }
  void clear() { len_ = 0; }
  void truncate(size_t n) { len_ = n; }
  // A new string with the contents; nullptr after raising OOM.
  String* to_string() { return rt_.new_string(view()); }

 private:
  bool grow(size_t n);
  Runtime& rt_;
  char* data_ = small_;
  size_t len_ = 0, cap_ = sizeof small_;
  char small_[200];
};

inline bool Buffer::grow(size_t n) {
  size_t cap = cap_ * 2;
  while (cap - len_ < n) {
    if (cap > (SIZE_MAX >> 2)) return rt_.oom();
    cap *= 2;
  }
  char* p;
  if (data_ == small_) {
    p = static_cast<char*>(rt_.alloc(cap, HAK_SITE("vm.buffer")));
    if (p) std::memcpy(p, small_, len_);
  } else {
    p = static_cast<char*>(rt_.realloc(data_, cap_, cap, HAK_SITE("vm.buffer")));
  }
  if (!p) return rt_.oom();
  data_ = p;
  cap_ = cap;
  return true;
}

}  // namespace hako::vm

// A growable byte buffer whose memory comes from hakmem at one site (the AST dump, error
// listings). Appends return false when out of memory; the text so far stays valid.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#include "hakmem.h"

namespace hako {

class TextBuffer {
 public:
  explicit TextBuffer(hak_site_t site) : site_(site) {}
  ~TextBuffer() { hak_free(buf_); }
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;

  bool append(std::string_view s) {
    if (cap_ - len_ < s.size() && !grow(s.size())) return false;
    if (!s.empty()) std::memcpy(buf_ + len_, s.data(), s.size());
    len_ += s.size();
    return true;
  }
  bool append(char c) { return append(std::string_view(&c, 1)); }
  bool appendf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  std::string_view view() const { return {buf_, len_}; }
  void clear() { len_ = 0; }

 private:
  bool grow(size_t n);
  char* buf_ = nullptr;
  size_t len_ = 0, cap_ = 0;
  hak_site_t site_;
};

}  // namespace hako

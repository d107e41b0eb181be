// Writing JSON: compact ({"a":[1,2.5,null]}) or indented exactly as Python's
// json.dumps(v, indent=N, ensure_ascii=False). Doubles are written as Python's repr writes
// them (numbers.h), the shortest text that reads back to the same double; NaN and infinity
// have no JSON form and are an error, as are strings that are not valid UTF-8. Control
// characters are escaped. The text goes into a buffer from hakmem (site json.output).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/json_dom.h"

namespace hako::json {

class Writer {
 public:
  // indent < 0: compact; indent >= 0: one item a line, nested `indent` spaces deeper.
  explicit Writer(int indent = -1) : indent_(indent) {}
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Each returns false, and sets error(), on a value that has no JSON form or when out
  // of memory; the writer is then stuck (every later call returns false).
  bool null();
  bool boolean(bool b);
  bool integer(int64_t i);
  bool number(double d);
  bool string(std::string_view s);
  bool begin_array();
  bool end_array();
  bool begin_object();
  bool key(std::string_view k);  // then the member's value
  bool end_object();

  // Writes a whole DOM value (without recursion).
  bool value(const Value& v);

  std::string_view text() const { return {buf_, len_}; }
  const char* error() const { return error_; }
  // Forgets the text (keeps the buffer) and any error.
  void clear();

 private:
  bool before_value();
  bool raw(const char* s, size_t n);
  bool quoted(std::string_view s);
  bool newline();
  bool fail(const char* why) {
    if (!error_) error_ = why;
    return false;
  }
  bool reserve(size_t n) { return __builtin_expect(cap_ - len_ >= n, 1) || grow(n); }
  bool grow(size_t n);

  char* buf_ = nullptr;
  size_t len_ = 0, cap_ = 0;
  int indent_;
  uint32_t depth_ = 0;
  bool first_ = true;       // no item yet in the innermost open container
  bool after_key_ = false;  // a key was written, its value comes next
  const char* error_ = nullptr;
};

}  // namespace hako::json

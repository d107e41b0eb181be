// JSON, strict RFC 8259 (decisions in docs/JSON.md): one reader that reports what it reads
// to a builder (SAX-like), so the same parser feeds the DOM (json_dom.h), Hako values or
// nothing at all (validation). No recursion: nesting lives on an explicit stack with a depth
// limit. Everything it allocates goes through hakmem sites (json.token, json.stack).
//
// The text passed in must be followed by a NUL byte (text.data()[text.size()] == 0), as
// std::string and string literals are: the tokenizer uses it as its end sentinel. A NUL
// inside the text is an error, never the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/error.h"

namespace hako::json {

struct Options {
  // Arrays and objects may nest this deep: the outermost one is depth 1. Deeper is an error.
  uint32_t max_depth = 1000;
};

// What the reader calls, in document order. Strings are valid UTF-8 with their escapes
// decoded; a view lives only until the call returns. Returning false stops the reader
// (its error says "stopped by the builder"; the builder knows why).
class Builder {
 public:
  virtual ~Builder() = default;
  virtual bool null() = 0;
  virtual bool boolean(bool b) = 0;
  virtual bool integer(int64_t i) = 0;  // an integer literal that fits in int64
  virtual bool number(double d) = 0;    // any other number, correctly rounded
  virtual bool string(std::string_view s) = 0;
  virtual bool begin_array() = 0;
  virtual bool end_array(size_t count) = 0;
  virtual bool begin_object() = 0;
  virtual bool key(std::string_view k) = 0;  // then the member's value
  virtual bool end_object(size_t count) = 0;
  // Why the builder returned false, for the reader's error message.
  virtual const char* stop_reason() const { return "stopped by the builder"; }
};

// Reads `text` into `b`. On failure returns false and fills `err` (line, column, byte offset
// and message); what was already given to the builder stays given.
bool parse(std::string_view text, Builder& b, Error* err, const Options& opt = {});

// Only checks `text`; allocates nothing for documents nested less than 64 deep.
bool validate(std::string_view text, Error* err, const Options& opt = {});

}  // namespace hako::json

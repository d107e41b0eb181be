// Small helpers shared by the JSON tests.
#pragma once

#include <string>
#include <string_view>

#include "parser/json_dom.h"
#include "parser/json_writer.h"

namespace hako::json::testing {

// `text` parsed and written back compactly, or "error L:C (byte N): message".
inline std::string reparse(const std::string& text, int indent = -1, const Options& opt = {}) {
  Document doc;
  Error err;
  if (!doc.parse(text, &err, opt)) {
    return "error " + std::to_string(err.line) + ":" + std::to_string(err.col) + " (byte " +
           std::to_string(err.offset) + "): " + err.message;
  }
  Writer w(indent);
  if (!w.value(doc.root())) return std::string("write error: ") + w.error();
  return std::string(w.text());
}

inline std::string write(const Value& v, int indent = -1) {
  Writer w(indent);
  if (!w.value(v)) return std::string("write error: ") + w.error();
  return std::string(w.text());
}

}  // namespace hako::json::testing

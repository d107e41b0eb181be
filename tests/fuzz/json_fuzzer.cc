// libFuzzer target: the JSON reader must not crash on any input; validation and the DOM
// must agree; and whatever it accepts must write (compact and indented) and read back to an
// equal document, whose compact text is a fixed point.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "parser/json.h"
#include "parser/json_dom.h"
#include "parser/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  hako::json::Document doc;
  hako::Error err, verr;
  bool ok = doc.parse(text, &err);
  if (ok != hako::json::validate(text, &verr)) __builtin_trap();
  if (!ok) {
    if (err.offset > size || err.line == 0 || err.col == 0) __builtin_trap();
    if (err.offset != verr.offset || std::strcmp(err.message, verr.message) != 0) __builtin_trap();
    return 0;
  }
  std::string compact;
  for (int indent : {-1, 2}) {
    hako::json::Writer w(indent);
    if (!w.value(doc.root())) __builtin_trap();  // all that is read can be written
    std::string out(w.text());
    hako::json::Document again;
    if (!again.parse(out, &err)) __builtin_trap();
    if (!hako::json::equal(doc.root(), again.root())) __builtin_trap();
    if (indent < 0) {
      hako::json::Writer w2(-1);
      if (!w2.value(again.root()) || w2.text() != out) __builtin_trap();
    }
  }
  return 0;
}

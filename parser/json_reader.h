// The JSON reader as a template over its builder (private to parser/): the DOM and the
// validator get direct, inlinable calls; json::parse() instantiates it for the virtual
// json::Builder. Defined, and explicitly instantiated, in json_reader.re.
#pragma once

#include <string_view>

#include "parser/json.h"

namespace hako::json {

class DomBuilder;

// Validation only: every event is accepted.
struct NullBuilder {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool integer(int64_t) { return true; }
  bool number(double) { return true; }
  bool string(std::string_view) { return true; }
  bool begin_array() { return true; }
  bool end_array(size_t) { return true; }
  bool begin_object() { return true; }
  bool key(std::string_view) { return true; }
  bool end_object(size_t) { return true; }
  const char* stop_reason() const { return ""; }
};

template <class B>
bool read(std::string_view text, B& builder, Error* err, const Options& opt);

extern template bool read<Builder>(std::string_view, Builder&, Error*, const Options&);
extern template bool read<NullBuilder>(std::string_view, NullBuilder&, Error*, const Options&);
extern template bool read<DomBuilder>(std::string_view, DomBuilder&, Error*, const Options&);

}  // namespace hako::json

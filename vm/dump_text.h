// Pieces of text the MIR and bytecode dumps share: constants as Hako literals.
#pragma once

#include <cstdint>
#include <string_view>

#include "parser/text_buffer.h"

namespace hako {

// `s` as a Hako string literal: "..." with \n \t \r \\ \" \0 and \xHH for other bytes
// outside printable ASCII.
void put_quoted(TextBuffer* out, std::string_view s);
// An int in decimal; a float as Python's repr ("1.0", "1e+100", "nan").
void put_int(TextBuffer* out, int64_t v);
void put_float(TextBuffer* out, double v);

}  // namespace hako

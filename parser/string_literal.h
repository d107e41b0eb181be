// Decoding Hako string literals (docs/LANGUAGE.md, "Lexical structure").
#pragma once

#include <cstddef>
#include <string_view>

#include "parser/arena.h"

namespace hako {

// Decodes `raw`, the text of a String token with its quotes, into `arena`: escapes
// \n \t \r \\ \" \' \0 \xHH \u{H..HHHHHH} (code points as UTF-8; surrogates and values
// past U+10FFFF are errors). Other bytes are copied as they are. On a bad escape returns
// false with its offset in `raw` and a message in msg[0..cap); out of memory is reported the
// same way, at offset 0.
bool decode_string(std::string_view raw, Arena* arena, std::string_view* out, size_t* bad_at,
                   char* msg, size_t cap);

}  // namespace hako

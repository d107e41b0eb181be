// Values as text (docs/LANGUAGE.md, "Printing values"): what print and str write.
#pragma once

#include "vm/buffer.h"

namespace hako::vm {

// Appends the text of v: strings as they are (or quoted, as inside containers), numbers in
// their shortest round-trip form, containers with their elements (strings quoted and
// escaped as in JSON), a container already being written as [...] or {...}. Walks nested
// containers without recursion; charges one budget unit per element.
bool append_value(Runtime& rt, Buffer& out, Value v, bool quote_strings = false);

// str(v): a string stays itself.
bool to_string(Runtime& rt, Value v, Value* out);

// "text" with ", \ and control characters escaped as JSON does (\n, \u001b), and bytes that
// are not UTF-8 as \xHH.
bool append_quoted(Buffer& out, std::string_view s);

// The text of an int or a float; returns its length (at most 32 bytes).
size_t format_number(Value v, char* buf);

}  // namespace hako::vm

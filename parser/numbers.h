// Number <-> text conversions shared by the Hako parser, the JSON reader and writer, and
// (later) the VM's printing. Locale-independent, exact: the text of a double is the shortest
// that reads back to the same bits, and reading rounds correctly (std::from_chars).
#pragma once

#include <cstddef>

namespace hako {

// Reads a decimal number in JSON/Hako form (-?digits(.digits)?([eE][+-]?digits)?, already
// checked by a lexer). Values too small for a double round to +-0 (or a subnormal) like any
// other; a value too large for a double returns false.
bool parse_double(const char* begin, const char* end, double* out);

// Python's repr of a float, which is also what Hako prints and what the JSON writer writes:
// the shortest round-trip digits, fixed notation when the decimal exponent is in [-4, 16)
// with ".0" added to integers ("300.0", "0.0001", "1e+16", "1.5e-07", "-0.0"), and "inf",
// "-inf", "nan". `buf` needs kDoubleChars bytes; returns the length (no NUL is written).
constexpr size_t kDoubleChars = 32;
size_t format_double(double d, char* buf);

}  // namespace hako

#include "vm/dump_text.h"

#include <cinttypes>
#include <cstdio>

#include "parser/numbers.h"

namespace hako {

void put_quoted(TextBuffer* out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out->append('"');
  size_t run = 0;  // printable bytes not yet written
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    const char* esc = nullptr;
    char buf[4];
    switch (c) {
      case '"':
        esc = "\\\"";
        break;
      case '\\':
        esc = "\\\\";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\0':
        esc = "\\0";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          ++run;
          continue;
        }
        buf[0] = '\\';
        buf[1] = 'x';
        buf[2] = hex[c >> 4];
        buf[3] = hex[c & 15];
        break;
    }
    out->append(s.substr(i - run, run));
    run = 0;
    out->append(esc ? std::string_view(esc) : std::string_view(buf, 4));
  }
  out->append(s.substr(s.size() - run, run));
  out->append('"');
}

void put_int(TextBuffer* out, int64_t v) { out->appendf("%" PRId64, v); }

void put_float(TextBuffer* out, double v) {
  char buf[kDoubleChars];
  out->append(std::string_view(buf, format_double(v, buf)));
}

}  // namespace hako

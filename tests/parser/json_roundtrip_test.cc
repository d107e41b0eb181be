// parse -> stringify -> parse gives an equal document, on generated documents that use every
// feature of the grammar (escapes, surrogate pairs, UTF-8 of every length, the whole int64
// range, doubles from random bits, whitespace, nesting).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "parser/json_dom.h"
#include "parser/json_writer.h"
#include "parser/utf8.h"

namespace hako::json {
namespace {

class Generator {
 public:
  explicit Generator(uint64_t seed) : s_(seed * 2654435761u + 1) {}

  std::string document() {
    std::string out;
    ws(out);
    value(out, 0);
    ws(out);
    return out;
  }

 private:
  uint64_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }

  void ws(std::string& out) {
    static const char kWs[] = " \t\r\n";
    for (uint32_t n = below(4) == 0 ? below(4) : 0; n > 0; --n) out += kWs[below(4)];
  }

  void value(std::string& out, int depth) {
    // Containers at the top (mostly) and near it, scalars deeper down.
    uint32_t kind = depth == 0 && below(10) ? 6 + below(3)
                                            : below(depth > 5   ? 6
                                                    : depth < 2 ? 12
                                                                : 9);
    switch (kind) {
      case 0:
        out += "null";
        break;
      case 1:
        out += below(2) ? "true" : "false";
        break;
      case 2:
        integer(out);
        break;
      case 3:
        real(out);
        break;
      case 4:
      case 5:
        string(out);
        break;
      case 6:
      case 7: {
        out += '[';
        uint32_t n = below(8);
        for (uint32_t i = 0; i < n; ++i) {
          if (i) out += ',';
          ws(out);
          value(out, depth + 1);
          ws(out);
        }
        out += ']';
        break;
      }
      default: {
        out += '{';
        uint32_t n = below(6);
        for (uint32_t i = 0; i < n; ++i) {
          if (i) out += ',';
          ws(out);
          // Few distinct keys, so that duplicates happen.
          if (below(3) == 0) {
            out += "\"k" + std::to_string(below(4)) + "\"";
          } else {
            string(out);
          }
          ws(out);
          out += ':';
          ws(out);
          value(out, depth + 1);
        }
        out += '}';
      }
    }
  }

  void integer(std::string& out) {
    switch (below(3)) {
      case 0:
        out += std::to_string(static_cast<int64_t>(next()));
        break;
      case 1:
        out += std::to_string(static_cast<int64_t>(below(2000)) - 1000);
        break;
      default:
        out += std::to_string(next()) + std::to_string(below(10));
        break;  // too big
    }
  }

  void real(std::string& out) {
    char buf[64];
    double d;
    switch (below(3)) {
      case 0: {
        uint64_t bits = next();
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) d = 1.5;
        snprintf(buf, sizeof buf, "%.17g", d);
        out += buf;
        if (!std::strpbrk(buf, ".e")) out += ".0";
        break;
      }
      case 1:
        snprintf(buf, sizeof buf, "%d.%02de%s%d", static_cast<int>(below(1000)) - 500, below(100),
                 below(2) ? "-" : "+", below(30));
        out += buf;
        break;
      default:
        snprintf(buf, sizeof buf, "%.6f", (static_cast<double>(below(2000000)) - 1e6) / 1e3);
        out += buf;
    }
  }

  void string(std::string& out) {
    out += '"';
    for (uint32_t n = below(12); n > 0; --n) {
      char buf[8];
      switch (below(8)) {
        case 0: {
          static const char* const kEsc[] = {"\\\"", "\\\\", "\\/", "\\b",    "\\f",
                                             "\\n",  "\\r",  "\\t", "\\u0000"};
          out += kEsc[below(9)];
          break;
        }
        case 1:
          snprintf(buf, sizeof buf, "\\u%04X", 0x20 + below(0xD800 - 0x20));
          out += buf;
          break;
        case 2: {
          uint32_t cp = 0x10000 + below(0x100000);
          snprintf(buf, sizeof buf, "\\u%04x", 0xD800 + ((cp - 0x10000) >> 10));
          out += buf;
          snprintf(buf, sizeof buf, "\\u%04x", 0xDC00 + ((cp - 0x10000) & 0x3FF));
          out += buf;
          break;
        }
        case 3: {
          // A raw code point of any UTF-8 length (no surrogates).
          static const uint32_t kLimits[] = {0x80, 0x800, 0x10000, 0x110000};
          uint32_t cp;
          do {
            cp = below(kLimits[below(4)]);
          } while (cp < 0x20 || cp == '"' || cp == '\\' || (cp >= 0xD800 && cp < 0xE000));
          out.append(buf, utf8_encode(cp, buf));
          break;
        }
        default:
          out += static_cast<char>('a' + below(26));
      }
    }
    out += '"';
  }

  uint64_t s_;
};

std::string write(const Value& v, int indent) {
  Writer w(indent);
  EXPECT_TRUE(w.value(v)) << w.error();
  return std::string(w.text());
}

TEST(JsonRoundTrip, GeneratedDocuments) {
  for (uint64_t seed = 1; seed <= 3000; ++seed) {
    Generator g(seed);
    std::string text = g.document();
    Document doc;
    Error err;
    ASSERT_TRUE(doc.parse(text, &err)) << text << "\n" << err.offset << ": " << err.message;

    std::string compact = write(doc.root(), -1);
    Document again;
    ASSERT_TRUE(again.parse(compact, &err)) << compact << "\n" << err.message;
    EXPECT_TRUE(equal(doc.root(), again.root())) << text << "\n" << compact;
    EXPECT_EQ(write(again.root(), -1), compact);  // the text is a fixed point

    int indent = static_cast<int>(seed % 5);
    std::string pretty = write(doc.root(), indent);
    Document third;
    ASSERT_TRUE(third.parse(pretty, &err)) << pretty << "\n" << err.message;
    EXPECT_TRUE(equal(doc.root(), third.root())) << text << "\n" << pretty;
  }
}

TEST(JsonRoundTrip, EqualityIsStrict) {
  Document a, b;
  Error err;
  ASSERT_TRUE(a.parse(R"({"x":[1,2.0,"s",null,true]})", &err));
  for (const char* other : {R"({"x":[1,2,"s",null,true]})", R"({"x":[1,2.0,"t",null,true]})",
                            R"({"x":[1,2.0,"s",null,false]})", R"({"x":[1,2.0,"s",null]})",
                            R"({"y":[1,2.0,"s",null,true]})", R"([[1,2.0,"s",null,true]])"}) {
    ASSERT_TRUE(b.parse(other, &err));
    EXPECT_FALSE(equal(a.root(), b.root())) << other;
  }
  ASSERT_TRUE(b.parse(R"({ "x" : [ 1 , 2.0 , "\u0073" , null , true ] })", &err));
  EXPECT_TRUE(equal(a.root(), b.root()));
}

}  // namespace
}  // namespace hako::json

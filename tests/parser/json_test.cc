// The JSON reader against RFC 8259 and the decisions of docs/JSON.md: what is accepted (and
// what it reads as), what is rejected (and the message and position of the error).
#include "parser/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "parser/json_dom.h"
#include "tests/parser/json_helpers.h"

namespace hako::json {
namespace {

using testing::reparse;

struct Accept {
  std::string text;
  std::string compact;  // what it reads as, written back compactly
};

TEST(JsonAccept, Table) {
  const Accept cases[] = {
      // Scalars at the top level (RFC 8259 allows any value).
      {"null", "null"},
      {"true", "true"},
      {"false", "false"},
      {"0", "0"},
      {"\"\"", "\"\""},
      // Whitespace: space, tab, LF, CR anywhere between tokens.
      {" \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n", "[1,2]"},
      {"{ \"a\" : 1 , \"b\" :\n[ ] }", "{\"a\":1,\"b\":[]}"},
      // Integers: exact when they fit int64, doubles otherwise.
      {"-0", "0"},
      {"9223372036854775807", "9223372036854775807"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"9223372036854775808", "9.223372036854776e+18"},
      {"-9223372036854775809", "-9.223372036854776e+18"},
      {"123456789012345678901234567890", "1.2345678901234568e+29"},
      // Other numbers: correctly rounded doubles.
      {"-0.0", "-0.0"},
      {"1E+2", "100.0"},
      {"1e2", "100.0"},
      {"1E-2", "0.01"},
      {"0.0e-0", "0.0"},
      {"0e0", "0.0"},
      {"2.5", "2.5"},
      {"0.1", "0.1"},
      {"1e23", "1e+23"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"2.2250738585072011e-308", "2.225073858507201e-308"},
      {"4.9e-324", "5e-324"},
      {"1e-400", "0.0"},
      {"-1e-400", "-0.0"},
      {"0.000001e-320", "0.0"},
      {"100000000000000000000000000000000000000000e-40", "10.0"},
      {"0.30000000000000004", "0.30000000000000004"},
      {"1.00000000000000011102230246251565404236316680908203126", "1.0000000000000002"},
      // Strings: every escape, surrogate pairs, UTF-8 kept as it is, DEL allowed raw.
      {R"("\" \\ \/ \b \f \n \r \t")", R"("\" \\ / \b \f \n \r \t")"},
      {R"("\u0041\u00e9\u20AC\uD83D\uDE80")", "\"Aé€🚀\""},
      {R"("\u0000\u001f")", R"("\u0000\u001f")"},
      {"\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x9A\x80 \xF4\x8F\xBF\xBF\"",
       "\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x9A\x80 \xF4\x8F\xBF\xBF\""},
      {"\"\x7f\"", "\"\x7f\""},
      {"\"\xEF\xBB\xBF\"", "\"\xEF\xBB\xBF\""},  // U+FEFF inside a string is just a character
      // Containers.
      {"[]", "[]"},
      {"{}", "{}"},
      {"[[[]]]", "[[[]]]"},
      {R"({"a":{"b":{"c":[1,{"d":null}]}}})", R"({"a":{"b":{"c":[1,{"d":null}]}}})"},
      {R"({"":1})", R"({"":1})"},
      // Duplicate keys: the first position, the last value.
      {R"({"a":1,"b":2,"a":3})", R"({"a":3,"b":2})"},
      {R"({"a":1,"a":2,"a":3})", R"({"a":3})"},
  };
  for (const Accept& c : cases) {
    EXPECT_EQ(reparse(c.text), c.compact) << "input: " << c.text;
    Error err;
    EXPECT_TRUE(validate(c.text, &err)) << "input: " << c.text << ": " << err.message;
  }
}

struct Reject {
  std::string text;
  std::string error;  // "L:C (byte N): message"
};

TEST(JsonReject, Table) {
  const Reject cases[] = {
      // Empty documents and trailing garbage.
      {"", "1:1 (byte 0): expected a value, got end of input"},
      {" \n ", "2:2 (byte 3): expected a value, got end of input"},
      {"1 2", "1:3 (byte 2): unexpected a number after the JSON value"},
      {"[] x", "1:4 (byte 3): invalid literal 'x' (expected true, false or null)"},
      {"{}}", "1:3 (byte 2): unexpected '}' after the JSON value"},
      {std::string("[1]\0", 4), "1:4 (byte 3): unexpected NUL byte"},
      {std::string("[\0]", 3), "1:2 (byte 1): unexpected NUL byte"},
      // A byte order mark is rejected (docs/JSON.md).
      {"\xEF\xBB\xBF{}",
       "1:1 (byte 0): a byte order mark (U+FEFF) is not allowed at the start of JSON text"},
      {"[\xEF\xBB\xBF]", "1:2 (byte 1): unexpected character U+FEFF"},
      // Whitespace is only space, tab, CR and LF.
      {"[1,\f2]", "1:4 (byte 3): unexpected control character U+000C"},
      {"[1,\v2]", "1:4 (byte 3): unexpected control character U+000B"},
      {"[1,\xC2\xA0 2]", "1:4 (byte 3): unexpected character U+00A0"},
      // Trailing and missing commas, bad separators.
      {"[1,]", "1:3 (byte 2): trailing comma before ']'"},
      {"{\"a\":1,}", "1:7 (byte 6): trailing comma before '}'"},
      {"[1 2]", "1:4 (byte 3): expected ',' or ']' after an array element, got a number"},
      {"{\"a\":1 \"b\":2}",
       "1:8 (byte 7): expected ',' or '}' after an object member, got a string"},
      {"[,1]", "1:2 (byte 1): expected a value, got ','"},
      {"{,}", "1:2 (byte 1): expected a string key, got ','"},
      {"{1:2}", "1:2 (byte 1): expected a string key, got a number"},
      {"{\"a\" 1}", "1:6 (byte 5): expected ':' after the key, got a number"},
      {"{\"a\":}", "1:6 (byte 5): expected a value, got '}'"},
      {"[1:2]", "1:3 (byte 2): expected ',' or ']' after an array element, got ':'"},
      {"{\"a\":1]", "1:7 (byte 6): expected ',' or '}' after an object member, got ']'"},
      {"[", "1:2 (byte 1): expected a value, got end of input"},
      {"[1", "1:3 (byte 2): expected ',' or ']' after an array element, got end of input"},
      {"{\"a\":1", "1:7 (byte 6): expected ',' or '}' after an object member, got end of input"},
      // Literals.
      {"tru", "1:1 (byte 0): invalid literal 'tru' (expected true, false or null)"},
      {"True", "1:1 (byte 0): invalid literal 'True' (expected true, false or null)"},
      {"nulll", "1:1 (byte 0): invalid literal 'nulll' (expected true, false or null)"},
      {"NaN", "1:1 (byte 0): invalid literal 'NaN' (expected true, false or null)"},
      {"'a'", "1:1 (byte 0): strings take double quotes, not '"},
      {"[1] // c", "1:5 (byte 4): comments are not allowed in JSON"},
      // Numbers.
      {"01", "1:1 (byte 0): leading zeros are not allowed in a number"},
      {"-012", "1:1 (byte 0): leading zeros are not allowed in a number"},
      {"00.5", "1:1 (byte 0): leading zeros are not allowed in a number"},
      {"1.", "1:3 (byte 2): expected a digit after the decimal point"},
      {"1.e5", "1:3 (byte 2): expected a digit after the decimal point"},
      {"1e", "1:3 (byte 2): expected a digit in the exponent"},
      {"1e+", "1:4 (byte 3): expected a digit in the exponent"},
      {"1.5E-x", "1:6 (byte 5): expected a digit in the exponent"},
      {"-", "1:2 (byte 1): expected a digit after '-'"},
      {"-Infinity", "1:2 (byte 1): expected a digit after '-'"},
      {"- 1", "1:2 (byte 1): expected a digit after '-'"},
      {"+1", "1:1 (byte 0): a number cannot start with '+'"},
      {".5", "1:1 (byte 0): a number needs a digit before the decimal point"},
      {"0x10", "1:2 (byte 1): invalid literal 'x' (expected true, false or null)"},
      {"1e400", "1:1 (byte 0): number out of range (too large for a double)"},
      {"[-1e309]", "1:2 (byte 1): number out of range (too large for a double)"},
      {"1" + std::string(400, '0'), "1:1 (byte 0): number out of range (too large for a double)"},
      // Strings: escapes.
      {R"("\q")", "1:2 (byte 1): invalid escape '\\q'"},
      {R"("\x41")", "1:2 (byte 1): invalid escape '\\x'"},
      {R"("\U0041")", "1:2 (byte 1): invalid escape '\\U'"},
      {R"("\u12")", "1:2 (byte 1): \\u must be followed by four hex digits"},
      {R"("\u12G4")", "1:2 (byte 1): \\u must be followed by four hex digits"},
      {"\"\\", "1:1 (byte 0): unterminated string"},
      // Strings: lone surrogates are rejected (docs/JSON.md).
      {R"("\uD800")",
       "1:2 (byte 1): lone surrogate \\uD800: a high surrogate must be followed by a \\u escape "
       "of a low surrogate"},
      {R"("\uDBFFx")",
       "1:2 (byte 1): lone surrogate \\uDBFF: a high surrogate must be followed by a \\u escape "
       "of a low surrogate"},
      {R"("\uD800\u0041")",
       "1:2 (byte 1): lone surrogate \\uD800: a high surrogate must be followed by a \\u escape "
       "of a low surrogate"},
      {R"("a\uDC00")",
       "1:3 (byte 2): lone surrogate \\uDC00: a low surrogate must follow a high surrogate"},
      {R"("\uD800\uD800")",
       "1:2 (byte 1): lone surrogate \\uD800: a high surrogate must be followed by a \\u escape "
       "of a low surrogate"},
      // Strings: control characters must be escaped; the string must end.
      {"\"a\nb\"", "1:3 (byte 2): control character U+000A must be escaped in a string"},
      {"\"\t\"", "1:2 (byte 1): control character U+0009 must be escaped in a string"},
      {std::string("\"a\0\"", 4),
       "1:3 (byte 2): control character U+0000 must be escaped in a string"},
      {"\"abc", "1:1 (byte 0): unterminated string"},
      {"[\"a\", \"b", "1:7 (byte 6): unterminated string"},
      // Strings: invalid UTF-8.
      {"\"\xC0\x80\"", "1:2 (byte 1): invalid UTF-8 in a string (overlong encoding)"},
      {"\"\xC1\xBF\"", "1:2 (byte 1): invalid UTF-8 in a string (overlong encoding)"},
      {"\"\xE0\x80\xAF\"", "1:2 (byte 1): invalid UTF-8 in a string (overlong encoding)"},
      {"\"\xF0\x80\x80\xAF\"", "1:2 (byte 1): invalid UTF-8 in a string (overlong encoding)"},
      {"\"\xED\xA0\x80\"", "1:2 (byte 1): invalid UTF-8 in a string (encoded surrogate)"},
      {"\"\xED\xBF\xBF\"", "1:2 (byte 1): invalid UTF-8 in a string (encoded surrogate)"},
      {"\"\xF4\x90\x80\x80\"",
       "1:2 (byte 1): invalid UTF-8 in a string (code point above U+10FFFF)"},
      {"\"\xF5\x80\x80\x80\"",
       "1:2 (byte 1): invalid UTF-8 in a string (byte that never appears in UTF-8)"},
      {"\"\xFF\"", "1:2 (byte 1): invalid UTF-8 in a string (byte that never appears in UTF-8)"},
      {"\"a\x80\"",
       "1:3 (byte 2): invalid UTF-8 in a string (a continuation byte without a lead byte)"},
      {"\"\xE2\x82\"", "1:2 (byte 1): invalid UTF-8 in a string (truncated sequence)"},
      {"\"\xE2\x82", "1:2 (byte 1): invalid UTF-8 in a string (truncated sequence)"},
      {"\"\xF0\x9F\x9A\"", "1:2 (byte 1): invalid UTF-8 in a string (truncated sequence)"},
      {"\"\xC3\"", "1:2 (byte 1): invalid UTF-8 in a string (truncated sequence)"},
      {"[\xC3\xA9]", "1:2 (byte 1): unexpected character U+00E9"},
      {"[\xC3]", "1:2 (byte 1): invalid UTF-8 (truncated sequence)"},
  };
  for (const Reject& c : cases) {
    EXPECT_EQ(reparse(c.text), "error " + c.error) << "input: " << c.text;
    // Validation alone finds the same error.
    Error err;
    EXPECT_FALSE(validate(c.text, &err)) << "input: " << c.text;
    EXPECT_EQ(c.error.substr(c.error.find(": ") + 2), err.message) << "input: " << c.text;
  }
}

TEST(JsonError, LineColumnAndOffsetOnLaterLines) {
  std::string text = "{\n  \"a\": [1, 2],\n  \"b\": tru\n}";
  Document doc;
  Error err;
  ASSERT_FALSE(doc.parse(text, &err));
  EXPECT_EQ(err.line, 3u);
  EXPECT_EQ(err.col, 8u);
  EXPECT_EQ(err.offset, text.find("tru"));
  char buf[256];
  format_error(err, "x.json", true, buf, sizeof buf);
  EXPECT_STREQ(buf, "x.json:3:8: invalid literal 'tru' (expected true, false or null) (byte 24)");
  EXPECT_TRUE(doc.root().is_null());  // a failed parse leaves an empty document
}

// ---- Depth ------------------------------------------------------------------------------

std::string nested(size_t depth, const char* open = "[", const char* close = "]") {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += open;
  for (size_t i = 0; i < depth; ++i) s += close;
  return s;
}

TEST(JsonDepth, DefaultLimitIsAThousand) {
  Error err;
  EXPECT_TRUE(validate(nested(1000), &err)) << err.message;
  ASSERT_FALSE(validate(nested(1001), &err));
  EXPECT_STREQ(err.message, "nesting depth exceeds the limit of 1000");
  EXPECT_EQ(err.offset, 1000u);  // at the '[' that is one too deep
  std::string objects;
  for (int i = 0; i < 1001; ++i) objects += "{\"k\":";
  objects += "1" + std::string(1001, '}');
  ASSERT_FALSE(validate(objects, &err));
  EXPECT_STREQ(err.message, "nesting depth exceeds the limit of 1000");
}

TEST(JsonDepth, LimitIsConfigurable) {
  Options opt;
  opt.max_depth = 3;
  Error err;
  EXPECT_TRUE(validate("[{\"a\":[]}]", &err, opt));
  EXPECT_FALSE(validate("[{\"a\":[[]]}]", &err, opt));
  EXPECT_STREQ(err.message, "nesting depth exceeds the limit of 3");
  opt.max_depth = 0;
  EXPECT_TRUE(validate("1", &err, opt));
  EXPECT_FALSE(validate("[]", &err, opt));
}

TEST(JsonDepth, VeryDeepDocumentsNeedNoRecursion) {
  // Far deeper than any C stack would allow a recursive parser (or writer, or comparison).
  const size_t depth = 300000;
  Options opt;
  opt.max_depth = depth;
  std::string text = nested(depth);
  Document doc;
  Error err;
  ASSERT_TRUE(doc.parse(text, &err, opt)) << err.message;
  EXPECT_EQ(testing::write(doc.root()), text);
  Document again;
  ASSERT_TRUE(again.parse(text, &err, opt));
  EXPECT_TRUE(equal(doc.root(), again.root()));
  // The default limit stops the same document with an error, not a crash.
  EXPECT_FALSE(validate(text, &err));
  EXPECT_FALSE(validate(std::string(10000000, '['), &err));
  EXPECT_STREQ(err.message, "nesting depth exceeds the limit of 1000");
}

// ---- Numbers ---------------------------------------------------------------------------

double read_double(const std::string& text) {
  Document doc;
  Error err;
  EXPECT_TRUE(doc.parse(text, &err)) << text << ": " << err.message;
  EXPECT_EQ(doc.root().type(), Type::Double) << text;
  return doc.root().as_double();
}

TEST(JsonNumbers, IntegersStayExact) {
  Document doc;
  Error err;
  ASSERT_TRUE(doc.parse("[0, -1, 9007199254740993, -9223372036854775808, 1.0]", &err));
  const Value& a = doc.root();
  EXPECT_EQ(a[0].type(), Type::Int);
  EXPECT_EQ(a[1].as_int(), -1);
  EXPECT_EQ(a[2].as_int(), 9007199254740993);  // not representable as a double
  EXPECT_EQ(a[3].as_int(), INT64_MIN);
  EXPECT_EQ(a[4].type(), Type::Double);  // a fraction makes a double, even .0
}

TEST(JsonNumbers, DoublesAreCorrectlyRoundedLikeStrtod) {
  // glibc's strtod rounds correctly: it is the reference for the fast path and the slow one.
  uint64_t s = 42;
  auto rnd = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  char buf[64];
  for (int i = 0; i < 30000; ++i) {
    int digits = 1 + static_cast<int>(rnd() % 20);
    int exp = static_cast<int>(rnd() % 60) - 30;
    if (i % 4 == 0) exp = static_cast<int>(rnd() % 640) - 330;
    std::string m;
    for (int d = 0; d < digits; ++d) m += static_cast<char>('0' + rnd() % 10);
    if (m[0] == '0') m[0] = '1';
    int point = static_cast<int>(rnd() % static_cast<uint64_t>(digits));
    std::string text = m.substr(0, static_cast<size_t>(point + 1));
    if (point + 1 < digits) text += "." + m.substr(static_cast<size_t>(point + 1));
    if (rnd() % 2) text = "-" + text;
    bool has_point = point + 1 < digits;
    if (!has_point || rnd() % 3) {  // a third without exponent: the 8-digits-at-once path
      snprintf(buf, sizeof buf, "e%d", exp);
      text += buf;
    }
    double want = strtod(text.c_str(), nullptr);
    if (std::isinf(want)) continue;
    EXPECT_EQ(read_double(text), want) << text;
  }
}

TEST(JsonNumbers, ShortestTextRoundTripsEveryDouble) {
  uint64_t s = 7;
  for (int i = 0; i < 20000; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    double d;
    std::memcpy(&d, &s, sizeof d);
    if (!std::isfinite(d)) continue;
    Value v = Value::number(d);
    std::string text = testing::write(v);
    double back = read_double(text);
    EXPECT_EQ(std::memcmp(&back, &d, sizeof d), 0) << text;
  }
}

// ---- Objects -----------------------------------------------------------------------------

TEST(JsonObjects, WideObjectsWithDuplicatesKeepFirstPositionLastValue) {
  // Wide enough for the hash-table path of the duplicate folding.
  std::string text = "{";
  std::string want = "{";
  for (int i = 0; i < 100; ++i) {
    text += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":" + std::to_string(i);
    want += (i ? "," : "") + std::string("\"k") + std::to_string(i) +
            "\":" + std::to_string(i % 10 == 0 ? 1000 + i : i);
  }
  for (int i = 0; i < 100; i += 10)
    text += ",\"k" + std::to_string(i) + "\":" + std::to_string(1000 + i);
  text += "}";
  want += "}";
  EXPECT_EQ(reparse(text), want);
  Document doc;
  Error err;
  ASSERT_TRUE(doc.parse(text, &err));
  EXPECT_EQ(doc.root().size(), 100u);
  ASSERT_NE(doc.root().find("k50"), nullptr);
  EXPECT_EQ(doc.root().find("k50")->as_int(), 1050);
  EXPECT_EQ(doc.root().find("k51")->as_int(), 51);
  EXPECT_EQ(doc.root().find("nope"), nullptr);
}

TEST(JsonObjects, KeysAreComparedAsDecodedStrings) {
  EXPECT_EQ(reparse(R"({"a":1,"\u0061":2})"), R"({"a":2})");
  EXPECT_EQ(reparse(R"({"ab":1,"a":2,"abc":3})"), R"({"ab":1,"a":2,"abc":3})");
}

// ---- The builder interface ------------------------------------------------------------

// Records the events as text.
class Recorder : public Builder {
 public:
  std::string log;
  int stop_after = -1;
  bool ev(const std::string& s) {
    log += s + " ";
    return stop_after < 0 || --stop_after > 0;
  }
  bool null() override { return ev("null"); }
  bool boolean(bool b) override { return ev(b ? "true" : "false"); }
  bool integer(int64_t i) override { return ev("int:" + std::to_string(i)); }
  bool number(double d) override { return ev("num:" + testing::write(Value::number(d))); }
  bool string(std::string_view s) override { return ev("str:" + std::string(s)); }
  bool begin_array() override { return ev("["); }
  bool end_array(size_t n) override { return ev("]" + std::to_string(n)); }
  bool begin_object() override { return ev("{"); }
  bool key(std::string_view k) override { return ev("key:" + std::string(k)); }
  bool end_object(size_t n) override { return ev("}" + std::to_string(n)); }
  const char* stop_reason() const override { return "the recorder has seen enough"; }
};

TEST(JsonBuilder, EventsInDocumentOrder) {
  Recorder r;
  Error err;
  ASSERT_TRUE(parse(R"({"a":[1,2.5,"x\n",null,true,false,{}],"b":{"c":[]}})", r, &err));
  EXPECT_EQ(r.log,
            "{ key:a [ int:1 num:2.5 str:x\n null true false { }0 ]7 key:b { key:c [ ]0 }1 }2 ");
}

TEST(JsonBuilder, AStopIsAnErrorAtTheValue) {
  Recorder r;
  r.stop_after = 3;
  Error err;
  ASSERT_FALSE(parse("[1,\n 2, 3]", r, &err));
  EXPECT_EQ(r.log, "[ int:1 int:2 ");
  EXPECT_STREQ(err.message, "the recorder has seen enough");
  EXPECT_EQ(err.line, 2u);
  EXPECT_EQ(err.col, 2u);
}

TEST(JsonBuilder, ValidationAgreesWithTheDomOnMutatedDocuments) {
  const std::string base =
      R"({"a": [1, -2.5e3, "x\u00e9\n", null, true], "b": {"c": "d", "e": [{}, []]}})";
  uint64_t s = 99;
  for (int i = 0; i < 5000; ++i) {
    std::string text = base;
    for (int k = 0; k < 1 + i % 3; ++k) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      size_t at = (s >> 33) % text.size();
      static const char bytes[] = "{}[],:\"\\ 0-1.eE\x80\xC3\xFFtnu";
      text[at] = bytes[(s >> 20) % (sizeof bytes - 1)];
    }
    Document doc;
    Error e1, e2;
    bool ok1 = doc.parse(text, &e1);
    bool ok2 = validate(text, &e2);
    ASSERT_EQ(ok1, ok2) << text;
    if (!ok1) {
      EXPECT_EQ(e1.offset, e2.offset) << text;
      EXPECT_STREQ(e1.message, e2.message) << text;
    }
  }
}

}  // namespace
}  // namespace hako::json

// The JSON writer: compact output, indented output byte for byte as Python's
// json.dumps(v, indent=N, ensure_ascii=False) writes it (the expected strings below were
// produced by Python 3.11), doubles as Python's repr, escapes, and what cannot be written.
#include "parser/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "parser/json_dom.h"
#include "parser/numbers.h"
#include "tests/parser/json_helpers.h"

namespace hako::json {
namespace {

using testing::reparse;

struct PythonCase {
  std::string text;
  std::vector<std::pair<int, std::string>> outputs;  // indent (-1: compact) -> json.dumps
};

TEST(JsonWriter, IndentedExactlyAsPythonJsonDumps) {
  const PythonCase cases[] = {
      {R"JSON({"name": "hako", "version": 1, "tags": ["a", "b"], "empty_list": [], "empty_obj": {}, "nested": {"x": [1, 2.5, null, true, false], "y": {"z": -0.0}}, "float": 300.0, "big": 1e100, "small": 1.5e-7, "esc": "tab\there \"q\" \\ \u0001 \u007f \/ \b\f\r"})JSON",
       {
           {2,
            "{\n  \"name\": \"hako\",\n  \"version\": 1,\n  \"tags\": [\n    \"a\",\n    \"b\"\n  "
            "],\n  \"empty_list\": [],\n  \"empty_obj\": {},\n  \"nested\": {\n    \"x\": [\n      "
            "1,\n      2.5,\n      null,\n      true,\n      false\n    ],\n    \"y\": {\n      "
            "\"z\": -0.0\n    }\n  },\n  \"float\": 300.0,\n  \"big\": 1e+100,\n  \"small\": "
            "1.5e-07,\n  \"esc\": \"tab\\there \\\"q\\\" \\\\ \\u0001 \x7f"
            " / \\b\\f\\r\"\n}"},
           {4,
            "{\n    \"name\": \"hako\",\n    \"version\": 1,\n    \"tags\": [\n        \"a\",\n    "
            "    \"b\"\n    ],\n    \"empty_list\": [],\n    \"empty_obj\": {},\n    \"nested\": "
            "{\n        \"x\": [\n            1,\n            2.5,\n            null,\n            "
            "true,\n            false\n        ],\n        \"y\": {\n            \"z\": -0.0\n     "
            "   }\n    },\n    \"float\": 300.0,\n    \"big\": 1e+100,\n    \"small\": 1.5e-07,\n  "
            "  \"esc\": \"tab\\there \\\"q\\\" \\\\ \\u0001 \x7f"
            " / \\b\\f\\r\"\n}"},
           {0,
            "{\n\"name\": \"hako\",\n\"version\": 1,\n\"tags\": "
            "[\n\"a\",\n\"b\"\n],\n\"empty_list\": [],\n\"empty_obj\": {},\n\"nested\": {\n\"x\": "
            "[\n1,\n2.5,\nnull,\ntrue,\nfalse\n],\n\"y\": {\n\"z\": -0.0\n}\n},\n\"float\": "
            "300.0,\n\"big\": 1e+100,\n\"small\": 1.5e-07,\n\"esc\": \"tab\\there \\\"q\\\" \\\\ "
            "\\u0001 \x7f"
            " / \\b\\f\\r\"\n}"},
           {-1,
            "{\"name\":\"hako\",\"version\":1,\"tags\":[\"a\",\"b\"],\"empty_list\":[],\"empty_"
            "obj\":{},\"nested\":{\"x\":[1,2.5,null,true,false],\"y\":{\"z\":-0.0}},\"float\":300."
            "0,\"big\":1e+100,\"small\":1.5e-07,\"esc\":\"tab\\there \\\"q\\\" \\\\ \\u0001 \x7f"
            " / \\b\\f\\r\"}"},
       }},
      {R"JSON([[[]], [1, [2, [3, {}]]], {"a": {"b": {"c": []}}}])JSON",
       {
           {1,
            "[\n [\n  []\n ],\n [\n  1,\n  [\n   2,\n   [\n    3,\n    {}\n   ]\n  ]\n ],\n {\n  "
            "\"a\": {\n   \"b\": {\n    \"c\": []\n   }\n  }\n }\n]"},
           {-1, "[[[]],[1,[2,[3,{}]]],{\"a\":{\"b\":{\"c\":[]}}}]"},
       }},
      {R"JSON({"café": "日本語 \ud83d\ude80", "n": [9223372036854775807, 0.1, 1e16, 1e15, 123456789.0, 1e-5, 0.0001, -2.5e-310, 5e-324]})JSON",
       {
           {3,
            "{\n   \"café\": \"日本語 🚀\",\n   \"n\": [\n      9223372036854775807,\n      0.1,\n  "
            "    1e+16,\n      1000000000000000.0,\n      123456789.0,\n      1e-05,\n      "
            "0.0001,\n      -2.5e-310,\n      5e-324\n   ]\n}"},
           {-1,
            "{\"café\":\"日本語 "
            "🚀\",\"n\":[9223372036854775807,0.1,1e+16,1000000000000000.0,123456789.0,1e-05,0.0001,-"
            "2.5e-310,5e-324]}"},
       }},
      {R"JSON("just a string")JSON",
       {
           {2, "\"just a string\""},
           {-1, "\"just a string\""},
       }},
      {R"JSON([])JSON",
       {
           {2, "[]"},
           {-1, "[]"},
       }},
      {R"JSON({"a": {}})JSON",
       {
           {2, "{\n  \"a\": {}\n}"},
           {-1, "{\"a\":{}}"},
       }},
  };
  for (const PythonCase& c : cases) {
    for (const auto& [indent, want] : c.outputs) {
      EXPECT_EQ(reparse(c.text, indent), want) << "indent " << indent << " of " << c.text;
    }
  }
}

std::string repr(double d) {
  char buf[kDoubleChars];
  return std::string(buf, format_double(d, buf));
}

TEST(FormatDouble, AsPythonRepr) {
  // Python: repr(float(x)).
  EXPECT_EQ(repr(0.0), "0.0");
  EXPECT_EQ(repr(-0.0), "-0.0");
  EXPECT_EQ(repr(1.0), "1.0");
  EXPECT_EQ(repr(300.0), "300.0");
  EXPECT_EQ(repr(0.1), "0.1");
  EXPECT_EQ(repr(2.5), "2.5");
  EXPECT_EQ(repr(-1.5), "-1.5");
  EXPECT_EQ(repr(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(repr(1e100), "1e+100");
  EXPECT_EQ(repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(repr(1e16), "1e+16");
  EXPECT_EQ(repr(1e15), "1000000000000000.0");
  EXPECT_EQ(repr(1.2345e15), "1234500000000000.0");
  EXPECT_EQ(repr(9007199254740993.0), "9007199254740992.0");
  EXPECT_EQ(repr(123456789.0), "123456789.0");
  EXPECT_EQ(repr(12345678901234567890.0), "1.2345678901234567e+19");
  EXPECT_EQ(repr(0.0001), "0.0001");
  EXPECT_EQ(repr(0.00012345), "0.00012345");
  EXPECT_EQ(repr(1e-5), "1e-05");
  EXPECT_EQ(repr(1.5e-5), "1.5e-05");
  EXPECT_EQ(repr(5e-324), "5e-324");
  EXPECT_EQ(repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(repr(-2.5e-310), "-2.5e-310");
  EXPECT_EQ(repr(1e22), "1e+22");
  EXPECT_EQ(repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(repr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(repr(std::nan("")), "nan");
}

TEST(JsonWriter, EscapesControlCharactersAndKeepsUtf8) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  all += "\"\\/\x7f\xC3\xA9";
  Document doc;
  Value v;
  ASSERT_TRUE(doc.make_string(all, &v));
  EXPECT_EQ(testing::write(v),
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
            "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
            "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\\"\\\\/\x7f\xC3\xA9\"");
  // And it reads back to the same bytes.
  Document back;
  Error err;
  ASSERT_TRUE(back.parse(testing::write(v), &err)) << err.message;
  EXPECT_EQ(back.root().as_string(), all);
}

// The writer copies runs that need no escaping 8 bytes at a time: every special byte, at
// every offset of a word, in strings of every length up to a few words, must come out as
// the byte-by-byte rules say.
TEST(JsonWriter, EscapesAtEveryOffset) {
  auto expect = [](const std::string& in) {
    std::string out = "\"";
    for (unsigned char c : in) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c < 0x20) {
        char b[8];
        snprintf(b, sizeof b, "\\u%04x", c);
        out += b;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  };
  const std::string specials[] = {"\"",       "\\",           "\n",   std::string(1, '\x01'),
                                  "\xC3\xA9", "\xE3\x83\x87", "\x7f", " "};
  for (size_t len = 0; len < 26; ++len) {
    for (size_t at = 0; at < len; ++at) {
      for (const std::string& sp : specials) {
        std::string in(len, 'a');
        for (size_t i = 0; i < len; ++i) in[i] = static_cast<char>('a' + i % 26);
        in.insert(at, sp);
        Writer w;
        ASSERT_TRUE(w.string(in)) << w.error();
        EXPECT_EQ(w.text(), expect(in)) << "length " << len << ", at " << at;
      }
    }
  }
  Writer bad;
  EXPECT_FALSE(bad.string(std::string(13, 'x') + "\xC3" + std::string(9, 'y')));
  EXPECT_STREQ(bad.error(), "a string is not valid UTF-8");
}

TEST(JsonWriter, RefusesWhatJsonCannotSay) {
  EXPECT_EQ(testing::write(Value::number(std::nan(""))),
            "write error: NaN and infinity cannot be written as JSON");
  EXPECT_EQ(testing::write(Value::number(-std::numeric_limits<double>::infinity())),
            "write error: NaN and infinity cannot be written as JSON");
  Document doc;
  for (const char* bad : {"\xC0\x80", "\xED\xA0\x80", "a\xFF", "\xE2\x82"}) {
    Value s;
    ASSERT_TRUE(doc.make_string(bad, &s));
    EXPECT_EQ(testing::write(s), "write error: a string is not valid UTF-8") << bad;
  }
  // Inside a container too, and in keys.
  Value bad_key, one = Value::integer(1), obj;
  ASSERT_TRUE(doc.make_string("\xFF", &bad_key));
  Member m{bad_key, one};
  ASSERT_TRUE(doc.make_object(&m, 1, &obj));
  EXPECT_EQ(testing::write(obj, 2), "write error: a string is not valid UTF-8");
}

TEST(JsonWriter, StreamingApiChecksItsUse) {
  Writer w;
  EXPECT_TRUE(w.begin_object());
  EXPECT_TRUE(w.key("a"));
  EXPECT_FALSE(w.key("b"));
  EXPECT_STREQ(w.error(), "two keys in a row");
  EXPECT_FALSE(w.integer(1));  // stuck after an error
  w.clear();
  EXPECT_FALSE(w.end_array());
  EXPECT_STREQ(w.error(), "end_array without an open array");
  w.clear();
  EXPECT_TRUE(w.integer(1));
  EXPECT_FALSE(w.integer(2));
  EXPECT_STREQ(w.error(), "a second value at the top level");
  w.clear();
  ASSERT_TRUE(w.begin_array() && w.integer(-7) && w.number(0.5) && w.boolean(false) && w.null() &&
              w.string("s") && w.begin_object() && w.end_object() && w.end_array());
  EXPECT_EQ(w.text(), "[-7,0.5,false,null,\"s\",{}]");
}

TEST(JsonWriter, BuiltByHand) {
  Document doc;
  Value k, s, items[3], arr, obj;
  ASSERT_TRUE(doc.make_string("key", &k));
  ASSERT_TRUE(doc.make_string("v", &s));
  items[0] = Value::integer(INT64_MIN);
  items[1] = s;
  items[2] = Value::boolean(true);
  ASSERT_TRUE(doc.make_array(items, 3, &arr));
  Member m{k, arr};
  ASSERT_TRUE(doc.make_object(&m, 1, &obj));
  doc.set_root(obj);
  EXPECT_EQ(testing::write(doc.root()), "{\"key\":[-9223372036854775808,\"v\",true]}");
  EXPECT_EQ(testing::write(doc.root(), 2),
            "{\n  \"key\": [\n    -9223372036854775808,\n    \"v\",\n    true\n  ]\n}");
  EXPECT_GT(doc.reserved(), 0u);
  doc.clear();
  EXPECT_TRUE(doc.root().is_null());
  EXPECT_EQ(doc.reserved(), 0u);
}

}  // namespace
}  // namespace hako::json

// json.parse and json.stringify: values, layout (Python's json.dumps), errors, round trips.
#include <cmath>
#include <string>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
using T = TestRuntime;

TEST(Json, ParseValues) {
  T t;
  auto parse = [&](const char* text) { return t.show(t.ok("json.parse", {t.str(text)})); };
  EXPECT_EQ(parse("null"), "nil");
  EXPECT_EQ(parse("true"), "true");
  EXPECT_EQ(parse(" 42 "), "42");
  EXPECT_EQ(parse("-0"), "0");
  EXPECT_EQ(parse("2.5"), "2.5");
  EXPECT_EQ(parse("1e2"), "100.0");
  EXPECT_EQ(parse("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(parse("9223372036854775808"), "9.223372036854776e+18");  // too big for an int
  EXPECT_EQ(parse("\"a\\u00e9\\n\""), "a\xC3\xA9\n");
  EXPECT_EQ(parse("[1, [2, []], {}]"), "[1, [2, []], {}]");
  EXPECT_EQ(parse("{\"z\": 1, \"a\": null, \"m\": [true]}"),
            "{\"z\": 1, \"a\": nil, \"m\": [true]}");
  // Duplicate keys: the last value, at the first position (as Python).
  EXPECT_EQ(parse("{\"a\": 1, \"b\": 2, \"a\": 3}"), "{\"a\": 3, \"b\": 2}");
  Value m = t.ok("json.parse", {t.str("{\"n\": null}")});
  EXPECT_TRUE(t.ok("has", {m, t.str("n")}).as_bool());  // null values are kept
  EXPECT_EQ(t.ok("json.parse", {t.str("1")}).tag, kInt);
  EXPECT_EQ(t.ok("json.parse", {t.str("1.0")}).tag, kFloat);
}

TEST(Json, ParseErrors) {
  T t;
  auto err = [&](const char* text) { return t.fails("json.parse", {t.str(text)}); };
  EXPECT_EQ(err(""), "json.parse: expected a value, got end of input at line 1, column 1 (byte 0)");
  EXPECT_EQ(err("[1,\n  2,]"),
            "json.parse: trailing comma before ']' at line 2, column 4 (byte 7)");
  EXPECT_EQ(err("{\"a\" 1}").substr(0, 11), "json.parse:");
  EXPECT_NE(err("{\"a\" 1}").find("at line 1, column 6 (byte 5)"), std::string::npos);
  EXPECT_NE(err("[1] x").find("line 1, column 5"), std::string::npos);
  EXPECT_NE(err("nul").find("line 1, column 1"), std::string::npos);
  std::string deep(1001, '[');
  EXPECT_NE(err(deep.c_str()).find("nesting depth exceeds the limit of 1000"), std::string::npos);
  EXPECT_EQ(t.fails("json.parse", {T::i(1)}),
            "bad argument #1 to 'json.parse' (string expected, got int)");
  // NUL inside the text is an error, not the end.
  EXPECT_NE(t.fails("json.parse", {t.str(std::string_view("[1]\0", 4))}).find("json.parse:"),
            std::string::npos);
}

TEST(Json, StringifyCompact) {
  T t;
  auto json = [&](Value v) { return t.text("json.stringify", {v}); };
  EXPECT_EQ(json(Value()), "null");
  EXPECT_EQ(json(T::b(false)), "false");
  EXPECT_EQ(json(T::i(-7)), "-7");
  EXPECT_EQ(json(T::f(300.0)), "300.0");
  EXPECT_EQ(json(T::f(1e100)), "1e+100");
  EXPECT_EQ(json(T::f(0.1)), "0.1");
  EXPECT_EQ(json(t.str("q\"\\\n\x01")), "\"q\\\"\\\\\\n\\u0001\"");
  EXPECT_EQ(json(t.arr({T::i(1), T::f(2.5), Value()})), "[1,2.5,null]");
  EXPECT_EQ(json(t.map({{t.str("a"), t.arr({T::i(1), T::f(2.5), Value()})}})),
            "{\"a\":[1,2.5,null]}");
  EXPECT_EQ(json(t.map({{T::i(1), t.str("one")}, {T::i(-2), T::b(true)}})),
            "{\"1\":\"one\",\"-2\":true}");
  EXPECT_EQ(json(t.arr({})), "[]");
  EXPECT_EQ(json(t.map({})), "{}");
  Value same = t.arr({T::i(1)});
  EXPECT_EQ(json(t.arr({same, same})), "[[1],[1]]");  // shared, not a cycle
}

TEST(Json, StringifyIndentedAsPython) {
  T t;
  // {"a":[1,2.5,None],"b":{"c":"x\n","d":[]},"e":{},"f":[[1,[2]]],"g":300.0,"h":1e100,"i":True}
  Value v =
      t.ok("json.parse", {t.str("{\"a\":[1,2.5,null],\"b\":{\"c\":\"x\\n\",\"d\":[]},\"e\":{},"
                                "\"f\":[[1,[2]]],\"g\":300.0,\"h\":1e100,\"i\":true}")});
  EXPECT_EQ(
      t.text("json.stringify", {v, T::i(2)}),
      "{\n  \"a\": [\n    1,\n    2.5,\n    null\n  ],\n  \"b\": {\n    \"c\": \"x\\n\",\n    "
      "\"d\": []\n  },\n  \"e\": {},\n  \"f\": [\n    [\n      1,\n      [\n        2\n      ]\n   "
      " "
      "]\n  ],\n  \"g\": 300.0,\n  \"h\": 1e+100,\n  \"i\": true\n}");
  EXPECT_EQ(t.text("json.stringify", {v, T::i(0)}),
            "{\n\"a\": [\n1,\n2.5,\nnull\n],\n\"b\": {\n\"c\": \"x\\n\",\n\"d\": []\n},\n\"e\": "
            "{},\n\"f\": "
            "[\n[\n1,\n[\n2\n]\n]\n],\n\"g\": 300.0,\n\"h\": 1e+100,\n\"i\": true\n}");
  EXPECT_EQ(
      t.text("json.stringify", {v}),
      "{\"a\":[1,2.5,null],\"b\":{\"c\":\"x\\n\",\"d\":[]},\"e\":{},\"f\":[[1,[2]]],\"g\":300.0,"
      "\"h\":1e+100,\"i\":true}");
  EXPECT_EQ(t.text("json.stringify", {v, Value()}).substr(0, 6), "{\"a\":[");
  EXPECT_EQ(t.fails("json.stringify", {v, T::i(-1)}),
            "bad argument #2 to 'json.stringify' (indent must be 0 to 64)");
}

TEST(Json, StringifyErrors) {
  T t;
  EXPECT_EQ(t.fails("json.stringify", {T::f(NAN)}),
            "json.stringify: NaN and infinity cannot be written as JSON");
  EXPECT_EQ(t.fails("json.stringify", {t.arr({T::f(INFINITY)})}),
            "json.stringify: NaN and infinity cannot be written as JSON");
  EXPECT_EQ(t.fails("json.stringify", {t.global("print")}),
            "json.stringify: a function has no JSON form");
  EXPECT_EQ(t.fails("json.stringify", {t.map({{T::f(1.5), T::i(1)}})}),
            "json.stringify: a map key must be a string or an int, not float");
  EXPECT_EQ(t.fails("json.stringify", {t.map({{T::b(true), T::i(1)}})}),
            "json.stringify: a map key must be a string or an int, not bool");
  EXPECT_EQ(t.fails("json.stringify", {t.str("\xff")}),
            "json.stringify: a string is not valid UTF-8");
  Value a = t.arr({T::i(1)});
  ASSERT_TRUE(array_push(*t, a.as_array(), a));
  EXPECT_EQ(t.fails("json.stringify", {a}), "json.stringify: circular reference");
  EXPECT_EQ(a.o->flags & kVisiting, 0);  // no mark left behind
  EXPECT_EQ(t.show(a), "[1, [...]]");
}

TEST(Json, RoundTrips) {
  T t;
  const char* docs[] = {
      "[]",
      "{}",
      "[null,true,false,0,-1,1.5,\"\"]",
      "{\"nested\":{\"deeper\":{\"list\":[1,[2,[3,[4]]]]}},\"after\":\"x\"}",
      "[1e-07,1.5e+300,0.1,123456789.0,-0.0,9223372036854775807,-9223372036854775808]",
      "{\"unicode\":\"h\xC3\xA9llo \xF0\x9F\x98\x80\",\"ctl\":\"\\u0000\\u001f\\t\"}",
  };
  for (const char* d : docs) {
    Value v = t.ok("json.parse", {t.str(d)});
    EXPECT_EQ(t.text("json.stringify", {v}), d);
    std::string indented = t.text("json.stringify", {v, T::i(4)});
    Value back = t.ok("json.parse", {t.str(indented)});
    EXPECT_EQ(t.text("json.stringify", {back}), d);
  }
}

TEST(Json, BigAndDeepDocuments) {
  T t;
  std::string doc = "[";
  for (int i = 0; i < 20000; ++i) {
    doc += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"name\":\"item" +
           std::to_string(i) + "\",\"tags\":[\"a\",\"b\"],\"score\":" + std::to_string(i * 0.5) +
           "}";
  }
  doc += "]";
  Value v = t.ok("json.parse", {t.str(doc)});
  EXPECT_EQ(v.as_array()->len, 20000u);
  Value again = t.ok("json.parse", {t.ok("json.stringify", {v})});
  EXPECT_EQ(t.text("json.stringify", {again}), t.text("json.stringify", {v}));
  // Deep nesting: within the reader's limit, and far deeper for the writer (no recursion).
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(t.text("json.stringify", {t.ok("json.parse", {t.str(deep)})}), deep);
  Value d = t.arr({});
  for (int i = 0; i < 50000; ++i) d = t.arr({d});
  EXPECT_EQ(t.ok("json.stringify", {d}).as_string()->size(), 2u * 50001);
}

}  // namespace
}  // namespace hako::vm

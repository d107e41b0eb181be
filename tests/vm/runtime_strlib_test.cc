// The string module, string.format included.
#include <cstdio>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
using T = TestRuntime;

TEST(StringLib, Sub) {
  T t;
  Value s = t.str("Hello");
  EXPECT_EQ(t.text("string.sub", {s, T::i(1), T::i(3)}), "el");
  EXPECT_EQ(t.text("string.sub", {s, T::i(1)}), "ello");
  EXPECT_EQ(t.text("string.sub", {s, T::i(-3)}), "llo");
  EXPECT_EQ(t.text("string.sub", {s, T::i(0), T::i(-1)}), "Hell");
  EXPECT_EQ(t.text("string.sub", {s, T::i(-100), T::i(100)}), "Hello");
  EXPECT_EQ(t.text("string.sub", {s, T::i(3), T::i(1)}), "");
  EXPECT_EQ(t.text("string.sub", {s, T::i(5)}), "");
  EXPECT_EQ(t.text("string.sub", {s, T::i(9)}), "");
  EXPECT_EQ(t.text("string.sub", {s, T::i(1), Value()}), "ello");
  EXPECT_EQ(t.ok("string.sub", {s, T::i(0)}).o, s.o);
  std::string big(100, 'x');
  big[50] = 'y';
  EXPECT_EQ(t.text("string.sub", {t.str(big), T::i(50), T::i(51)}), "y");
  EXPECT_EQ(t.text("string.sub", {t.str(big), T::i(1), T::i(99)}), big.substr(1, 98));
  EXPECT_EQ(t.fails("string.sub", {s}),
            "bad argument #2 to 'string.sub' (int expected, got no value)");
  EXPECT_EQ(t.fails("string.sub", {T::i(1), T::i(0)}),
            "bad argument #1 to 'string.sub' (string expected, got int)");
}

TEST(StringLib, Find) {
  T t;
  Value s = t.str("one two one");
  EXPECT_EQ(t.text("string.find", {s, t.str("one")}), "0");
  EXPECT_EQ(t.text("string.find", {s, t.str("one"), T::i(1)}), "8");
  EXPECT_EQ(t.text("string.find", {s, t.str("two")}), "4");
  EXPECT_EQ(t.text("string.find", {s, t.str("three")}), "nil");
  EXPECT_EQ(t.text("string.find", {s, t.str("one"), T::i(-3)}), "8");
  EXPECT_EQ(t.text("string.find", {s, t.str("")}), "0");
  EXPECT_EQ(t.text("string.find", {s, t.str(""), T::i(11)}), "11");
  EXPECT_EQ(t.text("string.find", {s, t.str("."), T::i(0)}), "nil");  // plain text, no patterns
  EXPECT_EQ(t.fails("string.find", {s}),
            "bad argument #2 to 'string.find' (string expected, got no value)");
}

TEST(StringLib, CaseRepByteChar) {
  T t;
  EXPECT_EQ(t.text("string.upper", {t.str("abc-XYZ-é")}), "ABC-XYZ-é");
  EXPECT_EQ(t.text("string.lower", {t.str("ABC-xyz-É")}), "abc-xyz-É");
  std::string long_mixed(60, 'a');
  EXPECT_EQ(t.text("string.upper", {t.str(long_mixed)}), std::string(60, 'A'));
  EXPECT_EQ(t.text("string.rep", {t.str("ab"), T::i(3)}), "ababab");
  EXPECT_EQ(t.text("string.rep", {t.str("ab"), T::i(0)}), "");
  EXPECT_EQ(t.text("string.rep", {t.str("ab"), T::i(-2)}), "");
  EXPECT_EQ(t.text("string.rep", {t.str(""), T::i(1000000)}), "");
  EXPECT_EQ(t.ok("string.rep", {t.str("xyz"), T::i(100001)}).as_string()->size(), 300003u);
  EXPECT_EQ(t.fails("string.rep", {t.str("ab"), T::i(INT64_MAX)}),
            "string.rep: resulting string too large");
  EXPECT_EQ(t.text("string.byte", {t.str("A")}), "65");
  EXPECT_EQ(t.text("string.byte", {t.str("abc"), T::i(2)}), "99");
  EXPECT_EQ(t.text("string.byte", {t.str("abc"), T::i(-1)}), "99");
  EXPECT_EQ(t.text("string.byte", {t.str("\xff")}), "255");
  EXPECT_EQ(t.text("string.byte", {t.str("abc"), T::i(3)}), "nil");
  EXPECT_EQ(t.text("string.byte", {t.str("")}), "nil");
  EXPECT_EQ(t.text("string.char", {T::i(72), T::i(105)}), "Hi");
  EXPECT_EQ(t.text("string.char", {}), "");
  EXPECT_EQ(t.ok("string.char", {T::i(0)}).as_string()->size(), 1u);
  EXPECT_EQ(t.fails("string.char", {T::i(256)}),
            "bad argument #1 to 'string.char' (value out of range)");
  EXPECT_EQ(t.fails("string.char", {T::i(65), T::i(-1)}),
            "bad argument #2 to 'string.char' (value out of range)");
}

TEST(StringLib, SplitJoin) {
  T t;
  EXPECT_EQ(t.text("string.split", {t.str("a,,b"), t.str(",")}), "[\"a\", \"\", \"b\"]");
  EXPECT_EQ(t.text("string.split", {t.str(",a,"), t.str(",")}), "[\"\", \"a\", \"\"]");
  EXPECT_EQ(t.text("string.split", {t.str("abc"), t.str(",")}), "[\"abc\"]");
  EXPECT_EQ(t.text("string.split", {t.str(""), t.str(",")}), "[\"\"]");
  EXPECT_EQ(t.text("string.split", {t.str("a::b::c"), t.str("::")}), "[\"a\", \"b\", \"c\"]");
  EXPECT_EQ(t.text("string.split", {t.str("abc"), t.str("")}), "[\"a\", \"b\", \"c\"]");
  EXPECT_EQ(t.text("string.split", {t.str(""), t.str("")}), "[]");
  EXPECT_EQ(t.text("string.join", {t.arr({t.str("a"), T::i(1), T::f(2.5)}), t.str(", ")}),
            "a, 1, 2.5");
  EXPECT_EQ(t.text("string.join", {t.arr({t.str("a"), t.str("b")})}), "ab");
  EXPECT_EQ(t.text("string.join", {t.arr({}), t.str("-")}), "");
  EXPECT_EQ(
      t.fails("string.join", {t.arr({t.str("a"), T::b(true)}), t.str(",")}),
      "bad argument #1 to 'string.join' (element 1 is a bool; join takes strings and numbers)");
  EXPECT_EQ(t.fails("string.join", {t.str("a")}),
            "bad argument #1 to 'string.join' (array expected, got string)");
  // A round trip on a big input.
  std::string text;
  for (int i = 0; i < 5000; ++i) text += (i ? "," : "") + std::to_string(i * i);
  Value parts = t.ok("string.split", {t.str(text), t.str(",")});
  EXPECT_EQ(parts.as_array()->len, 5000u);
  EXPECT_EQ(t.text("string.join", {parts, t.str(",")}), text);
}

TEST(StringLib, MethodsOnStrings) {
  T t;
  // "abc":upper() reads string.upper through the string value.
  Value fn;
  ASSERT_TRUE(get_index(*t, t.str("abc"), t.str("upper"), &fn));
  Value r;
  ASSERT_TRUE(t.call_value(fn, {t.str("abc")}, &r));
  EXPECT_EQ(t.show(r), "ABC");
  ASSERT_TRUE(get_index(*t, t.str("abc"), t.str("nothing"), &fn));
  EXPECT_TRUE(fn.is_nil());
}

// string.format against C's snprintf, which it must match.
template <class... A>
std::string c_format(const char* fmt, A... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

TEST(StringLib, FormatIntegers) {
  T t;
  auto fmt = [&](const char* f, int64_t v) { return t.text("string.format", {t.str(f), T::i(v)}); };
  for (const char* f : {"%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%.3d", "%8.3d",
                        "%-8.3d|", "%x", "%X", "%#x", "%#X", "%o", "%#o", "%08x", "%.0d"}) {
    for (int64_t v : {int64_t{0}, int64_t{42}, int64_t{-42}, int64_t{123456789}}) {
      if (std::string(f).find_first_of("xXo") != std::string::npos) {
        if (v < 0) continue;
        std::string ll = std::string(f).insert(std::string(f).size() - 1, "ll");
        EXPECT_EQ(fmt(f, v), c_format(ll.c_str(), static_cast<unsigned long long>(v)))
            << f << " " << v;
      } else {
        std::string ll = std::string(f);
        size_t conv = ll.find_first_of("di");
        ll.insert(conv, "ll");
        EXPECT_EQ(fmt(f, v), c_format(ll.c_str(), static_cast<long long>(v))) << f << " " << v;
      }
    }
  }
  EXPECT_EQ(fmt("%x", -1), "ffffffffffffffff");  // two's complement, as Lua
  EXPECT_EQ(fmt("%d", INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(t.text("string.format", {t.str("%d"), T::f(3.0)}), "3");
  EXPECT_EQ(t.fails("string.format", {t.str("%d"), T::f(3.5)}),
            "bad argument #2 to 'string.format' (number has no integer representation)");
  EXPECT_EQ(t.fails("string.format", {t.str("%d"), t.str("3")}),
            "bad argument #2 to 'string.format' (int expected, got string)");
  EXPECT_EQ(t.fails("string.format", {t.str("%d %d"), T::i(1)}),
            "bad argument #3 to 'string.format' (int expected, got no value)");
  EXPECT_EQ(t.text("string.format", {t.str("%c%c"), T::i(72), T::i(105)}), "Hi");
}

TEST(StringLib, FormatFloats) {
  T t;
  auto fmt = [&](const char* f, double v) { return t.text("string.format", {t.str(f), T::f(v)}); };
  for (const char* f :
       {"%f",   "%.2f", "%10.3f", "%-10.3f|", "%010.3f", "%+.1f", "% .1f", "%.0f", "%#.0f", "%e",
        "%.3e", "%E",   "%12.4e", "%g",       "%.3g",    "%G",    "%10g",  "%.0g", "%.10g", "%F"}) {
    for (double v :
         {0.0, -0.0, 1.0, -2.5, 3.14159265358979, 1e-5, 123456789.125, 1e100, 0.5, 2.5, 1e21}) {
      EXPECT_EQ(fmt(f, v), c_format(f, v)) << f << " " << v;
    }
    for (double v : {INFINITY, -INFINITY}) EXPECT_EQ(fmt(f, v), c_format(f, v)) << f << " " << v;
  }
  EXPECT_EQ(fmt("%5.1f", NAN), "  nan");
  EXPECT_EQ(fmt("%05.1f", INFINITY), "  inf");
  EXPECT_EQ(t.text("string.format", {t.str("%.3f"), T::i(2)}), "2.000");  // ints convert
  EXPECT_EQ(t.text("string.format", {t.str("%.14g"), T::f(0.1)}), "0.1");
}

TEST(StringLib, FormatStringsAndErrors) {
  T t;
  EXPECT_EQ(t.text("string.format", {t.str("%s and %s"), t.str("this"), T::i(3)}), "this and 3");
  EXPECT_EQ(
      t.text("string.format", {t.str("[%5s|%-5s|%.2s]"), t.str("ab"), t.str("cd"), t.str("xyz")}),
      "[   ab|cd   |xy]");
  EXPECT_EQ(t.text("string.format", {t.str("%s"), t.arr({t.str("q"), T::f(1)})}), "[\"q\", 1.0]");
  EXPECT_EQ(t.text("string.format", {t.str("%s"), Value()}), "nil");
  EXPECT_EQ(t.text("string.format", {t.str("100%% sure")}), "100% sure");
  EXPECT_EQ(t.text("string.format", {t.str("no conversions")}), "no conversions");
  EXPECT_EQ(t.text("string.format", {t.str("%d"), T::i(1), T::i(2)}), "1");  // extras ignored
  EXPECT_EQ(t.fails("string.format", {t.str("%s")}),
            "bad argument #2 to 'string.format' (value expected, got no value)");
  EXPECT_EQ(t.fails("string.format", {t.str("%y"), T::i(1)}),
            "invalid conversion '%y' to 'string.format'");
  EXPECT_EQ(t.fails("string.format", {t.str("abc %")}),
            "invalid conversion '%' to 'string.format'");
  EXPECT_EQ(t.fails("string.format", {t.str("%123d"), T::i(1)}),
            "invalid conversion '%123d' to 'string.format'");
  EXPECT_EQ(t.fails("string.format", {t.str("%#g"), T::f(1)}),
            "invalid conversion '%#g' to 'string.format'");
  EXPECT_EQ(t.fails("string.format", {}),
            "bad argument #1 to 'string.format' (string expected, got no value)");
}

}  // namespace
}  // namespace hako::vm

// Constant folding follows Hako's semantics exactly (docs/LANGUAGE.md, vm/arith.h) and never
// folds what raises at run time. Each case compiles `return EXPR;` at -O1 and reads the
// constant the chunk returns.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/vm/compile_helpers.h"

namespace hako {
namespace {

// The folded value of `expr`, as the MIR dump writes it, or "not folded": the chunk must
// be exactly `%N = loadk VALUE` and `ret %N`.
std::string fold(const std::string& expr) {
  std::string mir = testing::mir_text("return " + expr + ";", 1);
  std::vector<std::string> code;  // the instructions, without their source line
  size_t at = mir.find("b0:\n");
  if (at == std::string::npos) return mir;
  for (at += 4; at < mir.size();) {
    size_t nl = mir.find('\n', at);
    std::string line = mir.substr(at, nl - at);
    line = line.substr(2, line.rfind(" ; ") - 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    code.push_back(line);
    at = nl + 1;
    if (at < mir.size() && mir[at] != ' ') break;
  }
  size_t eq = code.empty() ? std::string::npos : code[0].find(" = loadk ");
  if (code.size() != 2 || eq == std::string::npos || code[1] != "ret " + code[0].substr(0, eq)) {
    return "not folded";
  }
  return code[0].substr(eq + 9);
}

TEST(FoldSemantics, IntegersWrapAround) {
  EXPECT_EQ(fold("9223372036854775807 + 1"), "-9223372036854775808");
  EXPECT_EQ(fold("-9223372036854775808 - 1"), "9223372036854775807");
  EXPECT_EQ(fold("9223372036854775807 * 2"), "-2");
  EXPECT_EQ(fold("-(-9223372036854775807 - 1)"), "-9223372036854775808");
  EXPECT_EQ(fold("-9223372036854775808 // -1"), "-9223372036854775808");
  EXPECT_EQ(fold("-9223372036854775808 % -1"), "0");
}

TEST(FoldSemantics, FloorDivisionAndModulo) {
  EXPECT_EQ(fold("7 // 2"), "3");
  EXPECT_EQ(fold("-7 // 2"), "-4");
  EXPECT_EQ(fold("7 // -2"), "-4");
  EXPECT_EQ(fold("-7 // -2"), "3");
  EXPECT_EQ(fold("7 % 3"), "1");
  EXPECT_EQ(fold("-7 % 3"), "2");
  EXPECT_EQ(fold("7 % -3"), "-2");
  EXPECT_EQ(fold("-7 % -3"), "-1");
  EXPECT_EQ(fold("6 % 3"), "0");
  EXPECT_EQ(fold("-3.5 // 2"), "-2.0");
  EXPECT_EQ(fold("-3.5 % 2"), "0.5");
  EXPECT_EQ(fold("5.5 % -2"), "-0.5");
  EXPECT_EQ(fold("3 // 2.0"), "1.0");
}

TEST(FoldSemantics, FloatRules) {
  EXPECT_EQ(fold("7 / 2"), "3.5");
  EXPECT_EQ(fold("6 / 3"), "2.0");   // / always gives a float
  EXPECT_EQ(fold("2 ** 3"), "8.0");  // ** too
  EXPECT_EQ(fold("2 ** -1"), "0.5");
  EXPECT_EQ(fold("1 + 1.0"), "2.0");
  EXPECT_EQ(fold("1 / 0"), "inf");  // float division by zero is no error
  EXPECT_EQ(fold("-1 / 0"), "-inf");
  EXPECT_EQ(fold("0 / 0"), "nan");
  EXPECT_EQ(fold("1.0 // 0"), "inf");
  EXPECT_EQ(fold("1 % 0.0"), "nan");
  EXPECT_EQ(fold("-0.0 * 1"), "-0.0");
  EXPECT_EQ(fold("0.1 + 0.2"), "0.30000000000000004");
}

TEST(FoldSemantics, Comparisons) {
  EXPECT_EQ(fold("1 == 1.0"), "true");
  EXPECT_EQ(fold("1 < 1.5"), "true");
  EXPECT_EQ(fold("2 <= 1"), "false");
  EXPECT_EQ(fold("3 > 2.5"), "true");
  EXPECT_EQ(fold("\"a\" < \"b\""), "true");
  EXPECT_EQ(fold("\"ab\" < \"a\""), "false");
  EXPECT_EQ(fold("nil == false"), "false");
  EXPECT_EQ(fold("1 == \"1\""), "false");
  EXPECT_EQ(fold("\"x\" != \"x\""), "false");
  // Exact, not through doubles: 2^53 + 1 is no double.
  EXPECT_EQ(fold("9007199254740993 == 9007199254740992.0"), "false");
  EXPECT_EQ(fold("9007199254740993 > 9007199254740992.0"), "true");
  EXPECT_EQ(fold("0 / 0 == 0 / 0"), "false");
}

TEST(FoldSemantics, ConcatenationAndNot) {
  EXPECT_EQ(fold("\"a\" .. 1 .. \"b\""), "\"a1b\"");
  EXPECT_EQ(fold("1.0 .. \"\""), "\"1.0\"");
  EXPECT_EQ(fold("1e100 .. \"|\" .. 0.1"), "\"1e+100|0.1\"");
  EXPECT_EQ(fold("!nil"), "true");
  EXPECT_EQ(fold("!0"), "false");
  EXPECT_EQ(fold("!\"\""), "false");
}

TEST(FoldSemantics, NeverWhatRaises) {
  EXPECT_EQ(fold("1 // 0"), "not folded");
  EXPECT_EQ(fold("1 % 0"), "not folded");
  EXPECT_EQ(fold("1 + \"a\""), "not folded");
  EXPECT_EQ(fold("\"a\" * 2"), "not folded");
  EXPECT_EQ(fold("\"a\" < 1"), "not folded");
  EXPECT_EQ(fold("1 < nil"), "not folded");
  EXPECT_EQ(fold("nil .. \"a\""), "not folded");
  EXPECT_EQ(fold("true .. \"a\""), "not folded");
  EXPECT_EQ(fold("-\"a\""), "not folded");
  EXPECT_EQ(fold("-nil"), "not folded");
}

}  // namespace
}  // namespace hako

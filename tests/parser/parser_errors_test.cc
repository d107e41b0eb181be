// Every class of Hako compile error the front end reports, with its position; recovery
// (several errors from one run) and the limits that keep any input from crashing it.
#include <gtest/gtest.h>

#include <string>

#include "tests/parser/parser_helpers.h"

namespace hako {
namespace {

using testing::errors;

TEST(ParseErrors, FromTheLexer) {
  EXPECT_EQ(errors("let a = 1 $ 2;"), "1:11: unexpected character\n");
  EXPECT_EQ(errors("let a = `x`;"), "1:9: unexpected character\n");
  EXPECT_EQ(errors("let caf\xC3\xA9 = 1;"),
            "1:8: unexpected non-ASCII text (outside strings and "
            "comments, source is ASCII)\n");
  EXPECT_EQ(errors(std::string("let a\0 = 1;", 11)), "1:6: unexpected character\n");
  EXPECT_EQ(errors("let s = \"abc;\nlet t = 1;"), "1:9: unterminated string\n");
  EXPECT_EQ(errors("let s = 'abc\\'\n"), "1:9: unterminated string\n");
  EXPECT_EQ(errors("f(); /* no end\n\n"), "1:6: unterminated block comment\n");
  EXPECT_EQ(errors("let a = 12abc;"), "1:9: malformed number\n");
  EXPECT_EQ(errors("let a = 0x;"), "1:9: malformed number\n");
  EXPECT_EQ(errors("let a = 1e5x;"), "1:9: malformed number\n");
  EXPECT_EQ(errors("let a = .5;"), "1:9: a float needs a digit before the point (write 0.5)\n");
}

TEST(ParseErrors, StringEscapesPointAtTheEscape) {
  EXPECT_EQ(errors(R"(let s = "ab\qc";)"), "1:12: unknown escape sequence '\\q'\n");
  EXPECT_EQ(errors(R"(let s = 'a\x4g';)"), "1:11: \\x must be followed by two hex digits\n");
  EXPECT_EQ(errors(R"(let s = "\x";)"), "1:10: \\x must be followed by two hex digits\n");
  EXPECT_EQ(errors(R"(let s = "\u0041";)"), "1:10: \\u must be followed by {hex digits}\n");
  EXPECT_EQ(errors(R"(let s = "\u{}";)"), "1:10: '\\u{}': \\u{...} takes 1 to 6 hex digits\n");
  EXPECT_EQ(errors(R"(let s = "\u{41";)"), "1:10: '\\u{41': \\u{...} takes 1 to 6 hex digits\n");
  EXPECT_EQ(errors(R"(let s = "\u{1234567}";)"),
            "1:10: '\\u{1234567}': \\u{...} takes 1 to 6 hex digits\n");
  EXPECT_EQ(errors(R"(let s = "\u{D800}";)"),
            "1:10: '\\u{D800}' is a surrogate, not a character\n");
  EXPECT_EQ(errors(R"(let s = "\u{dfff}";)"),
            "1:10: '\\u{dfff}' is a surrogate, not a character\n");
  EXPECT_EQ(errors(R"(let s = "\u{110000}";)"),
            "1:10: '\\u{110000}' is past U+10FFFF, the last code point\n");
  // A bad string is one error; parsing goes on normally after it.
  EXPECT_EQ(errors("let s = \"\\q\" .. \"\\w\";\nlet t = ;"),
            "1:10: unknown escape sequence '\\q'\n"
            "1:18: unknown escape sequence '\\w'\n"
            "2:9: expected an expression, got ';'\n");
}

TEST(ParseErrors, NumbersOutOfRange) {
  EXPECT_EQ(errors("let a = 9223372036854775808;"),
            "1:9: integer literal 9223372036854775808 does not fit in 64 bits (the range is "
            "-2^63 to 2^63-1)\n");
  EXPECT_EQ(errors("let a = -9223372036854775809;"),
            "1:10: integer literal -9223372036854775809 does not fit in 64 bits (the range is "
            "-2^63 to 2^63-1)\n");
  EXPECT_EQ(errors("let a = 0x8000000000000000;"),
            "1:9: integer literal 0x8000000000000000 does not fit in 64 bits (the range is "
            "-2^63 to 2^63-1)\n");
  EXPECT_EQ(errors("let a = 99999999999999999999999999;"),
            "1:9: integer literal 99999999999999999999999999 does not fit in 64 bits (the range "
            "is -2^63 to 2^63-1)\n");
  EXPECT_EQ(errors("let a = 1e309;"), "1:9: float literal out of range (too large for a double)\n");
  EXPECT_EQ(errors("let a = -1e400;"),
            "1:10: float literal out of range (too large for a double)\n");
}

TEST(ParseErrors, ExpectedTokens) {
  EXPECT_EQ(errors("let a = 1"), "1:10: expected ';' after the declaration, got end of input\n");
  EXPECT_EQ(errors("let a = 1 let b = 2;"),
            "1:11: expected ';' after the declaration, got 'let'\n");
  EXPECT_EQ(errors("return 1 }"), "1:10: expected ';' after the return value, got '}'\n");
  EXPECT_EQ(errors("while (x) { break }"), "1:19: expected ';' after 'break', got '}'\n");
  EXPECT_EQ(errors("while (x) { continue }"), "1:22: expected ';' after 'continue', got '}'\n");
  EXPECT_EQ(errors("f(1, 2"), "1:7: expected ')' after the arguments, got end of input\n");
  EXPECT_EQ(errors("f(1 2);"), "1:5: expected ')' after the arguments, got '2'\n");
  EXPECT_EQ(errors("f()"), "1:4: expected ';' after the statement, got end of input\n");
  EXPECT_EQ(errors("f() g();"), "1:5: expected ';' after the statement, got 'g'\n");
  EXPECT_EQ(errors("x = 1"), "1:6: expected ';' after the assignment, got end of input\n");
  EXPECT_EQ(errors("let a = (1 + 2;"), "1:15: expected ')' to close the parenthesis, got ';'\n");
  EXPECT_EQ(errors("let a = b[1;"), "1:12: expected ']' after the index, got ';'\n");
  EXPECT_EQ(errors("let a = [1 2];"),
            "1:12: expected ',' or ']' after an array element, got '2'\n");
  EXPECT_EQ(errors("let a = [1,"), "1:12: expected an expression, got end of input\n");
  EXPECT_EQ(errors("let a = ;"), "1:9: expected an expression, got ';'\n");
  EXPECT_EQ(errors("let a = 1 +;"), "1:12: expected an expression, got ';'\n");
  EXPECT_EQ(errors("let a = else;"), "1:9: expected an expression, got 'else'\n");
  EXPECT_EQ(errors("let a = x ? 1 : 2;"), "1:11: expected ';' after the declaration, got '?'\n");
  EXPECT_EQ(errors("let a = ?;"), "1:9: '?' is reserved\n");
}

TEST(ParseErrors, Declarations) {
  EXPECT_EQ(errors("let = 1;"), "1:5: expected a variable name after 'let', got '='\n");
  EXPECT_EQ(errors("let if = 1;"), "1:5: expected a variable name after 'let', got 'if'\n");
  EXPECT_EQ(errors("let a, b;"), "1:6: expected ';' after the declaration, got ','\n");
  EXPECT_EQ(errors("fn f a) {}"), "1:6: expected '(' before the parameters, got 'a'\n");
  EXPECT_EQ(errors("fn f(a b) {}"), "1:8: expected ')' after the parameters, got 'b'\n");
  EXPECT_EQ(errors("fn f(a,) {}"), "1:8: expected a parameter name, got ')'\n");
  EXPECT_EQ(errors("fn f(1) {}"), "1:6: expected a parameter name, got '1'\n");
  EXPECT_EQ(errors("fn f() return 1;"),
            "1:8: expected '{' before the function body, got 'return'\n");
  EXPECT_EQ(errors("fn f(a, b, a) {}"), "1:12: duplicate parameter 'a'\n");
  EXPECT_EQ(errors("let f = fn g() {};"),
            "1:12: a function expression has no name (declare it with 'fn NAME(...) {...}' as a "
            "statement, or write 'let NAME = fn(...) {...};')\n");
}

TEST(ParseErrors, ControlFlow) {
  EXPECT_EQ(errors("if x {}"), "1:4: expected '(' after 'if', got 'x'\n");
  EXPECT_EQ(errors("if (x {}"), "1:7: expected ')' after the condition, got '{'\n");
  EXPECT_EQ(errors("if (x) f();"), "1:8: expected '{' after the condition of 'if', got 'f'\n");
  EXPECT_EQ(errors("if (x) {} else f();"), "1:16: expected '{' after 'else', got 'f'\n");
  EXPECT_EQ(errors("while x {}"), "1:7: expected '(' after 'while', got 'x'\n");
  EXPECT_EQ(errors("while (x) f();"),
            "1:11: expected '{' after the condition of 'while', got 'f'\n");
  EXPECT_EQ(errors("for x in a {}"), "1:5: expected '(' after 'for', got 'x'\n");
  EXPECT_EQ(errors("for (1 in a) {}"), "1:6: expected a loop variable, got '1'\n");
  EXPECT_EQ(errors("for (x of a) {}"), "1:8: expected 'in' after the loop variables, got 'of'\n");
  EXPECT_EQ(errors("for (a, b, c in m) {}"),
            "1:10: expected 'in' after the loop variables, got ','\n");
  EXPECT_EQ(errors("for (k, k in m) {}"), "1:9: duplicate loop variable 'k'\n");
  EXPECT_EQ(errors("for (x in a {}"), "1:13: expected ')' after the loop's iterable, got '{'\n");
  EXPECT_EQ(errors("for (x in a) x();"), "1:14: expected '{' after 'for (...)', got 'x'\n");
  EXPECT_EQ(errors("break;"), "1:1: 'break' outside a loop\n");
  EXPECT_EQ(errors("if (a) { continue; }"), "1:10: 'continue' outside a loop\n");
  // A function inside a loop starts outside any loop.
  EXPECT_EQ(errors("while (a) { let f = fn() { break; }; }"), "1:28: 'break' outside a loop\n");
  EXPECT_EQ(errors("for (x in a) { if (x) { break; } else { continue; } }"), "");
}

TEST(ParseErrors, Statements) {
  EXPECT_EQ(errors("x == 1;"),
            "1:1: this expression does nothing: only calls and assignments are statements\n");
  EXPECT_EQ(errors("a.b;"),
            "1:1: this expression does nothing: only calls and assignments are statements\n");
  EXPECT_EQ(errors("1 = 2;"),
            "1:1: cannot assign to this expression (only to a variable, a[i] or a.name)\n");
  EXPECT_EQ(errors("f() = 2;"),
            "1:1: cannot assign to this expression (only to a variable, a[i] or a.name)\n");
  EXPECT_EQ(errors("a + b += 2;"),
            "1:1: cannot assign to this expression (only to a variable, a[i] or a.name)\n");
  EXPECT_EQ(errors("a = b = c;"),
            "1:7: an assignment is a statement, not a value: it cannot be chained\n");
  EXPECT_EQ(errors("a += b -= c;"),
            "1:8: an assignment is a statement, not a value: it cannot be chained\n");
  EXPECT_EQ(errors("let a = (b = 1);"), "1:12: expected ')' to close the parenthesis, got '='\n");
  EXPECT_EQ(errors("}"), "1:1: unmatched '}'\n");
  EXPECT_EQ(errors("{ f();"),
            "1:7: expected '}' to close the block opened at 1:1, got end of input\n");
  EXPECT_EQ(errors("fn f() {\n  if (x) {\n    g();\n}\n"),
            "5:1: expected '}' to close the block opened at 1:8, got end of input\n");
}

TEST(ParseErrors, PostfixAndLiterals) {
  EXPECT_EQ(errors("let a = b.;"), "1:11: expected a field name after '.', got ';'\n");
  EXPECT_EQ(errors("let a = b.1;"), "1:10: a float needs a digit before the point (write 0.5)\n");
  EXPECT_EQ(errors("let a = b.if;"), "1:11: expected a field name after '.', got 'if'\n");
  EXPECT_EQ(errors("let a = b:;"), "1:11: expected a method name after ':', got ';'\n");
  EXPECT_EQ(errors("let a = b:c;"),
            "1:12: expected '(' after the method name (obj:name(...) is a call), got ';'\n");
  EXPECT_EQ(errors("let m = {1: 2};"),
            "1:10: expected a map key (a name, a string or [expression]), got '1' (write [1] for "
            "a number key)\n");
  EXPECT_EQ(errors("let m = {if: 2};"),
            "1:10: expected a map key (a name, a string or [expression]), got 'if'\n");
  EXPECT_EQ(errors("let m = {a 2};"), "1:12: expected ':' after the map key, got '2'\n");
  EXPECT_EQ(errors("let m = {[a 2]};"), "1:13: expected ']' after the map key, got '2'\n");
  EXPECT_EQ(errors("let m = {a: 1 b: 2};"),
            "1:15: expected ',' or '}' after a map entry, got 'b'\n");
  EXPECT_EQ(errors("let m = {a: 1,,};"),
            "1:15: expected a map key (a name, a string or [expression]), got ','\n");
}

TEST(ParseErrors, SeveralErrorsInOneRunInSourceOrder) {
  const char* src =
      "let a = ;\n"
      "let b = 1 +;\n"
      "fn f(x) {\n"
      "  let c = [1, 2;\n"
      "  return c;\n"
      "}\n"
      "let d = {k: };\n"
      "g(;\n"
      "let ok = 1;\n";
  EXPECT_EQ(errors(src),
            "1:9: expected an expression, got ';'\n"
            "2:12: expected an expression, got ';'\n"
            "4:16: expected ',' or ']' after an array element, got ';'\n"
            "7:13: expected an expression, got '}'\n"
            "8:3: expected an expression, got ';'\n");
}

TEST(ParseErrors, RecoveryDoesNotCascade) {
  // One mistake, one message: the rest of the statement (and braces opened in it) is skipped.
  EXPECT_EQ(errors("let m = {a: (1 + ], b: [fn() { return; }]};\nlet x = 1;\n"),
            "1:18: expected an expression, got ']'\n");
  EXPECT_EQ(errors("let a = 1 let b = 2; let c = ;\nlet d = ;"),
            "1:11: expected ';' after the declaration, got 'let'\n"
            "1:30: expected an expression, got ';'\n"
            "2:9: expected an expression, got ';'\n");
  EXPECT_EQ(errors("let s = \"open\nlet t = 2;\n"), "1:9: unterminated string\n");
  EXPECT_EQ(errors("if (a { b(); } c();"), "1:7: expected ')' after the condition, got '{'\n");
}

TEST(ParseErrors, AtMostMaxErrors) {
  std::string src;
  for (int i = 0; i < 100; ++i) src += "let = 1;\n";
  ParseOptions opt;
  opt.max_errors = 5;
  EXPECT_EQ(errors(src, opt),
            "1:5: expected a variable name after 'let', got '='\n"
            "2:5: expected a variable name after 'let', got '='\n"
            "3:5: expected a variable name after 'let', got '='\n"
            "4:5: expected a variable name after 'let', got '='\n"
            "5:5: too many errors; stopping here\n");
}

TEST(ParseErrors, FileLineColumnFormat) {
  ast::Ast ast;
  Errors errs;
  ASSERT_FALSE(parse("prog.hako", "let x = 1;\nx = ;\n", &ast, &errs));
  ASSERT_EQ(errs.size(), 1u);
  char buf[256];
  format_error(errs[0], "prog.hako", false, buf, sizeof buf);
  EXPECT_STREQ(buf, "prog.hako:2:5: expected an expression, got ';'");
  EXPECT_EQ(errs[0].offset, 15u);
  EXPECT_EQ(ast.main(), nullptr);  // no tree after an error
}

// ---- Limits -----------------------------------------------------------------------------

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

const char* const kTooDeep =
    "nested too deeply (more than 200 levels of brackets, blocks and prefix operators)";
const char* const kTooHigh =
    "expression too complex (its syntax tree would be more than 1000 levels deep)";

// The first error of SRC without its position.
std::string first_error(const std::string& src, const ParseOptions& opt = {}) {
  std::string e = errors(src, opt);
  e = e.substr(0, e.find('\n'));
  return e.substr(e.find(' ') + 1);
}

TEST(ParseLimits, NestingIsBoundedNotTheStack) {
  const int n = 100000;
  EXPECT_EQ(first_error("let x = " + repeat("(", n) + "1" + repeat(")", n) + ";"), kTooDeep);
  EXPECT_EQ(first_error("let x = " + repeat("[", n) + repeat("]", n) + ";"), kTooDeep);
  EXPECT_EQ(first_error("let x = " + repeat("{a: ", n) + "1" + repeat("}", n) + ";"), kTooDeep);
  EXPECT_EQ(first_error(repeat("{", n) + repeat("}", n)), kTooDeep);
  EXPECT_EQ(first_error("let x = " + repeat("-", n) + "y;"), kTooDeep);
  EXPECT_EQ(first_error("let x = " + repeat("!", n) + "y;"), kTooDeep);
  EXPECT_EQ(first_error("f" + repeat("(g", n) + repeat(")", n) + ";"), kTooDeep);
  EXPECT_EQ(first_error("let x = a" + repeat("[b", n) + repeat("]", n) + ";"), kTooDeep);
  EXPECT_EQ(first_error(repeat("fn f() { ", n)), kTooDeep);
  EXPECT_EQ(first_error(repeat("while (x) { ", n)), kTooDeep);
  EXPECT_EQ(first_error(repeat("(", n)), kTooDeep);
  // Up to the limit is fine.
  EXPECT_EQ(errors("let x = " + repeat("(", 199) + "1" + repeat(")", 199) + ";"), "");
  EXPECT_EQ(errors(repeat("{", 199) + repeat("}", 199)), "");
}

TEST(ParseLimits, TreeHeightIsBounded) {
  const int n = 100000;
  auto chain = [](const std::string& op, int count) {
    std::string s = "a";
    for (int i = 1; i < count; ++i) s += op + "a";
    return s;
  };
  // Long chains need no recursion to parse, but make tall trees.
  EXPECT_EQ(first_error("let x = " + chain(" + ", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("let x = " + chain(" .. ", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("let x = " + chain(" ** ", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("let x = " + chain(" && ", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("let x = a" + repeat(".b", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("f" + repeat("()", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("let x = a" + repeat("[0]", n) + ";"), kTooHigh);
  EXPECT_EQ(first_error("let x = a" + repeat(":m()", n) + ";"), kTooHigh);
  EXPECT_EQ(errors("let x = " + chain(" + ", 990) + ";"), "");
  EXPECT_EQ(errors("let x = " + chain(" .. ", 990) + ";"), "");
  // Long sequences are wide, not tall.
  EXPECT_EQ(errors(repeat("f();\n", n)), "");
  EXPECT_EQ(errors("if (a) {}" + repeat(" else if (a) {}", n)), "");
  EXPECT_EQ(errors("let a = [" + repeat("1, ", n) + "];"), "");
  EXPECT_EQ(errors("f(" + chain(", ", n) + ");"), "");
}

TEST(ParseLimits, LimitsAreOptions) {
  ParseOptions opt;
  opt.max_depth = 3;
  EXPECT_EQ(errors("let x = (((1)));", opt), "");
  EXPECT_EQ(first_error("let x = ((((1))));", opt),
            "nested too deeply (more than 3 levels of brackets, blocks and prefix operators)");
  opt = ParseOptions();
  opt.max_height = 5;
  EXPECT_EQ(errors("let x = a + b;", opt), "");
  EXPECT_EQ(first_error("let x = a + b + c + d;", opt),
            "expression too complex (its syntax tree would be more than 5 levels deep)");
}

}  // namespace
}  // namespace hako

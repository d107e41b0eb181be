// The Hako grammar, rule by rule (docs/LANGUAGE.md, "Syntax"): what each form parses to.
#include <gtest/gtest.h>

#include <string>

#include "tests/parser/parser_helpers.h"

namespace hako {
namespace {

using testing::dump;
using testing::expr;

// ---- Literals ---------------------------------------------------------------------------

TEST(ParseLiterals, Simple) {
  EXPECT_EQ(expr("nil"), "nil");
  EXPECT_EQ(expr("true"), "true");
  EXPECT_EQ(expr("false"), "false");
  EXPECT_EQ(expr("x_1"), "x_1");
}

TEST(ParseLiterals, Integers) {
  EXPECT_EQ(expr("42"), "42");
  EXPECT_EQ(expr("0"), "0");
  EXPECT_EQ(expr("0x2A"), "42");
  EXPECT_EQ(expr("0X2a"), "42");
  EXPECT_EQ(expr("1_000_000"), "1000000");
  EXPECT_EQ(expr("0x7fff_ffff_ffff_ffff"), "9223372036854775807");
  EXPECT_EQ(expr("9223372036854775807"), "9223372036854775807");
  // A minus is folded into the literal, so the smallest int64 can be written.
  EXPECT_EQ(expr("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(expr("-0x8000000000000000"), "-9223372036854775808");
  EXPECT_EQ(expr("-5"), "-5");
  EXPECT_EQ(expr("- 5"), "-5");
  // ... but not when something binds tighter than the minus.
  EXPECT_EQ(expr("-2 ** 2"), "(- (** 2 2))");
  EXPECT_EQ(expr("-2.x"), "(- (field 2 x))");
  EXPECT_EQ(expr("-x"), "(- x)");
  EXPECT_EQ(expr("- -5"), "(- -5)");
}

TEST(ParseLiterals, Floats) {
  EXPECT_EQ(expr("1.5"), "1.5f");
  EXPECT_EQ(expr("1.0"), "1f");
  EXPECT_EQ(expr("1e10"), "10000000000f");
  EXPECT_EQ(expr("2.5e-3"), "0.0025000000000000001f");
  EXPECT_EQ(expr("1E+2"), "100f");
  EXPECT_EQ(expr("1_000.25"), "1000.25f");
  EXPECT_EQ(expr("-0.0"), "-0f");
  EXPECT_EQ(expr("1e-400"), "0f");  // underflow rounds to zero like any other rounding
  EXPECT_EQ(expr("1.7976931348623157e308"), "1.7976931348623157e+308f");
}

TEST(ParseLiterals, StringsAndEscapes) {
  EXPECT_EQ(expr(R"("abc")"), "\"abc\"");
  EXPECT_EQ(expr(R"('abc')"), "\"abc\"");
  EXPECT_EQ(expr(R"("it's" .. 'say "hi"')"), "(.. \"it's\" \"say \"hi\"\")");
  EXPECT_EQ(expr(R"("\n\t\r\\\"\'")"), "\"\n\t\r\\\"'\"");
  EXPECT_EQ(expr(R"("\x41\x7a\xff")"), "\"Az\xff\"");
  EXPECT_EQ(expr(R"("a\0b")"), std::string("\"a\0b\"", 5));
  EXPECT_EQ(expr(R"("\01")"), std::string("\"\0"
                                          "1\"",
                                          4));  // \0 takes no digits
  EXPECT_EQ(expr(R"("\u{41}\u{e9}\u{20AC}\u{1F600}\u{10FFFF}\u{0}")"),
            std::string("\"A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\0\"", 17));
  EXPECT_EQ(expr(R"("\u{00000041}")"),
            "error: 1:10: '\\u{00000041}': \\u{...} takes 1 to 6 hex digits");
  EXPECT_EQ(expr("\"caf\xC3\xA9\""), "\"caf\xC3\xA9\"");  // UTF-8 in strings is kept
  EXPECT_EQ(expr("\"\""), "\"\"");
}

TEST(ParseLiterals, Arrays) {
  EXPECT_EQ(expr("[]"), "(array)");
  EXPECT_EQ(expr("[1]"), "(array 1)");
  EXPECT_EQ(expr("[1, [2, 3], []]"), "(array 1 (array 2 3) (array))");
  EXPECT_EQ(expr("[1, 2,]"), "(array 1 2)");  // a trailing comma is allowed
}

TEST(ParseLiterals, Maps) {
  EXPECT_EQ(expr("{}"), "(map)");
  EXPECT_EQ(expr(R"({a: 1, "b c": 2, [k]: 3, [1 + 2]: 4})"),
            R"((map (name "a" 1) (str "b c" 2) (expr k 3) (expr (+ 1 2) 4)))");
  EXPECT_EQ(expr("{a: {b: []},}"), R"((map (name "a" (map (name "b" (array))))))");
  EXPECT_EQ(expr(R"({"\n": 1})"), "(map (str \"\n\" 1))");
  // Duplicates are kept for the VM (last wins there).
  EXPECT_EQ(expr("{a: 1, a: 2}"), R"((map (name "a" 1) (name "a" 2)))");
}

TEST(ParseLiterals, FunctionExpressions) {
  EXPECT_EQ(expr("fn() {}"), "(fn _ () 0 stmts)");
  EXPECT_EQ(expr("fn(a, b) { return a; }"), "(fn _ (a b) 1 stmts)");
  EXPECT_EQ(expr("fn(x) { return fn(y) { return x + y; }; }"), "(fn _ (x) 1 stmts)");
  EXPECT_EQ(expr("[fn() {}, fn(a) {}]"), "(array (fn _ () 0 stmts) (fn _ (a) 0 stmts))");
  // `let NAME = fn` names the function.
  EXPECT_EQ(dump("let sq = fn(x) { return x * x; };"),
            "  Let sq\n"
            "    FnExpr sq(x)\n"
            "      Block\n"
            "        Return\n"
            "          Binary *\n"
            "            Name x\n"
            "            Name x\n");
}

// ---- Operators --------------------------------------------------------------------------

TEST(ParseOperators, PrecedenceFromLooseToTight) {
  EXPECT_EQ(expr("a || b && c"), "(|| a (&& b c))");
  EXPECT_EQ(expr("a && b || c"), "(|| (&& a b) c)");
  EXPECT_EQ(expr("a && b == c"), "(&& a (== b c))");
  EXPECT_EQ(expr("a == b .. c"), "(== a (.. b c))");
  EXPECT_EQ(expr("a .. b + c"), "(.. a (+ b c))");
  EXPECT_EQ(expr("a + b .. c"), "(.. (+ a b) c)");
  EXPECT_EQ(expr("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(expr("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(expr("-a * b"), "(* (- a) b)");
  EXPECT_EQ(expr("!a == b"), "(== (! a) b)");
  EXPECT_EQ(expr("-a ** b"), "(- (** a b))");
  EXPECT_EQ(expr("a ** -b"), "(** a (- b))");
  EXPECT_EQ(expr("a ** b.c"), "(** a (field b c))");
  EXPECT_EQ(expr("-a.b(c)[d]"), "(- (index (call (field a b) c) d))");
}

TEST(ParseOperators, EveryBinaryOperator) {
  const char* ops[] = {
      "||", "&&", "==", "!=", "<", "<=", ">", ">=", "..", "+", "-", "*", "/", "//", "%", "**"};
  for (const char* op : ops) {
    EXPECT_EQ(expr(std::string("a ") + op + " b"), std::string("(") + op + " a b)");
  }
  EXPECT_EQ(expr("!a"), "(! a)");
  EXPECT_EQ(expr("!!a"), "(! (! a))");
}

TEST(ParseOperators, Associativity) {
  EXPECT_EQ(expr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(expr("a // b % c"), "(% (// a b) c)");
  EXPECT_EQ(expr("a < b < c"), "(< (< a b) c)");  // legal, and a runtime error (bool < c)
  EXPECT_EQ(expr("a == b != c"), "(!= (== a b) c)");
  EXPECT_EQ(expr("a || b || c"), "(|| (|| a b) c)");
  EXPECT_EQ(expr("a .. b .. c"), "(.. a (.. b c))");
  EXPECT_EQ(expr("a ** b ** c"), "(** a (** b c))");
  EXPECT_EQ(expr("a ** -b ** c"), "(** a (- (** b c)))");
  EXPECT_EQ(expr("a .. b + c .. d"), "(.. a (.. (+ b c) d))");
}

TEST(ParseOperators, Parentheses) {
  EXPECT_EQ(expr("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(expr("a ** (b ** c)"), "(** a (** b c))");
  EXPECT_EQ(expr("(a ** b) ** c"), "(** (** a b) c)");
  EXPECT_EQ(expr("((((a))))"), "a");
  EXPECT_EQ(expr("-(2 ** 2)"), "(- (** 2 2))");
}

TEST(ParseOperators, FloorDivisionOrComment) {
  // `//` after an operand on the same line divides; anywhere else it starts a comment.
  EXPECT_EQ(expr("a // b"), "(// a b)");
  EXPECT_EQ(expr("f(x) // 2"), "(// (call f x) 2)");
  EXPECT_EQ(expr("a[1] // 2"), "(// (index a 1) 2)");
  EXPECT_EQ(expr("a\n// comment\n+ b"), "(+ a b)");
  EXPECT_EQ(dump("f(); // call f\n"), "  Expr\n    Call\n      Name f\n");
  EXPECT_EQ(expr("a /* c */ + b"), "(+ a b)");
}

// ---- Postfix forms -----------------------------------------------------------------------

TEST(ParsePostfix, CallsIndexFieldsMethods) {
  EXPECT_EQ(expr("f()"), "(call f)");
  EXPECT_EQ(expr("f(1, g(2), [3])"), "(call f 1 (call g 2) (array 3))");
  EXPECT_EQ(expr("f()()"), "(call (call f))");
  EXPECT_EQ(expr("a[0][i + 1]"), "(index (index a 0) (+ i 1))");
  EXPECT_EQ(expr("a.b.c"), "(field (field a b) c)");
  EXPECT_EQ(expr("obj:m()"), "(method obj m)");
  EXPECT_EQ(expr("obj:m(1, 2):n(3)"), "(method (method obj m 1 2) n 3)");
  EXPECT_EQ(expr("a.b:c(d)[e]"), "(index (method (field a b) c d) e)");
  EXPECT_EQ(expr("fn(x) { return x; }(1)"), "(call (fn _ (x) 1 stmts) 1)");
  EXPECT_EQ(expr("\"s\":upper()"), "(method \"s\" upper)");
  EXPECT_EQ(expr("{a: 1}.a"), "(field (map (name \"a\" 1)) a)");
}

// ---- Statements ------------------------------------------------------------------------

TEST(ParseStatements, LetAndAssignments) {
  EXPECT_EQ(dump("let x;\nlet y = 1;\nx = y;\n"),
            "  Let x\n"
            "  Let y\n"
            "    Int 1\n"
            "  Assign =\n"
            "    Name x\n"
            "    Name y\n");
  EXPECT_EQ(dump("a[i] += 2; m.k ..= \"s\"; x -= 1; x *= 2; x /= 3;"),
            "  Assign +=\n"
            "    Index\n"
            "      Name a\n"
            "      Name i\n"
            "    Int 2\n"
            "  Assign ..=\n"
            "    Field k\n"
            "      Name m\n"
            "    String \"s\"\n"
            "  Assign -=\n"
            "    Name x\n"
            "    Int 1\n"
            "  Assign *=\n"
            "    Name x\n"
            "    Int 2\n"
            "  Assign /=\n"
            "    Name x\n"
            "    Int 3\n");
  EXPECT_EQ(dump("f(a)[0].b = 1;"),
            "  Assign =\n"
            "    Field b\n"
            "      Index\n"
            "        Call\n"
            "          Name f\n"
            "          Name a\n"
            "        Int 0\n"
            "    Int 1\n");
}

TEST(ParseStatements, FunctionDeclarations) {
  EXPECT_EQ(dump("fn add(a, b) { return a + b; }\nfn none() {}\nfn one(x) { f(x); }"),
            "  Fn add(a, b)\n"
            "    Block\n"
            "      Return\n"
            "        Binary +\n"
            "          Name a\n"
            "          Name b\n"
            "  Fn none()\n"
            "    Block\n"
            "  Fn one(x)\n"
            "    Block\n"
            "      Expr\n"
            "        Call\n"
            "          Name f\n"
            "          Name x\n");
  // A function literal called at once is a call statement, not a declaration.
  EXPECT_EQ(dump("fn() { }();"),
            "  Expr\n"
            "    Call\n"
            "      FnExpr()\n"
            "        Block\n");
}

TEST(ParseStatements, IfElseChains) {
  EXPECT_EQ(dump("if (a) { f(); }"),
            "  If\n"
            "    Clause\n"
            "      Name a\n"
            "      Block\n"
            "        Expr\n"
            "          Call\n"
            "            Name f\n");
  EXPECT_EQ(dump("if (a) {} else if (b) {} else if (c) {} else { g(); }"),
            "  If\n"
            "    Clause\n"
            "      Name a\n"
            "      Block\n"
            "    Clause\n"
            "      Name b\n"
            "      Block\n"
            "    Clause\n"
            "      Name c\n"
            "      Block\n"
            "    Else\n"
            "      Block\n"
            "        Expr\n"
            "          Call\n"
            "            Name g\n");
}

TEST(ParseStatements, Loops) {
  EXPECT_EQ(dump("while (i < n) { i += 1; if (x) { break; } continue; }"),
            "  While\n"
            "    Binary <\n"
            "      Name i\n"
            "      Name n\n"
            "    Block\n"
            "      Assign +=\n"
            "        Name i\n"
            "        Int 1\n"
            "      If\n"
            "        Clause\n"
            "          Name x\n"
            "          Block\n"
            "            Break\n"
            "      Continue\n");
  EXPECT_EQ(dump("for (i in range(0, n)) {}\nfor (i in range(10, 0, -1)) {}"),
            "  ForRange i\n"
            "    Int 0\n"
            "    Name n\n"
            "    Block\n"
            "  ForRange i\n"
            "    Int 10\n"
            "    Int 0\n"
            "    Int -1\n"
            "    Block\n");
  EXPECT_EQ(dump("for (v in arr) {}\nfor (k, v in m) {}"),
            "  ForIn v\n"
            "    Name arr\n"
            "    Block\n"
            "  ForIn k, v\n"
            "    Name m\n"
            "    Block\n");
  // Only range(a, b) and range(a, b, step) with one variable make a numeric loop.
  EXPECT_EQ(
      dump("for (i in range(n)) {}\nfor (k, v in range(0, 3)) {}\nfor (i in m.range(0, 3)) {}"),
      "  ForIn i\n"
      "    Call\n"
      "      Name range\n"
      "      Name n\n"
      "    Block\n"
      "  ForIn k, v\n"
      "    Call\n"
      "      Name range\n"
      "      Int 0\n"
      "      Int 3\n"
      "    Block\n"
      "  ForIn i\n"
      "    Call\n"
      "      Field range\n"
      "        Name m\n"
      "      Int 0\n"
      "      Int 3\n"
      "    Block\n");
}

TEST(ParseStatements, ForRangeKeepsTheCall) {
  ast::Ast ast;
  Errors errors;
  ASSERT_TRUE(parse("t.hako", "for (i in range(1, 9, 2)) { }", &ast, &errors));
  const auto& f = ast.main()->body->stmts[0]->as<ast::ForRangeStmt>();
  EXPECT_EQ(f.var, "i");
  EXPECT_EQ(f.call->args.size, 3u);
  EXPECT_EQ(f.start, f.call->args[0]);
  EXPECT_EQ(f.step, f.call->args[2]);
}

TEST(ParseStatements, ReturnBreakContinueBlocksAndEmpty) {
  EXPECT_EQ(dump("return;"), "  Return\n");
  EXPECT_EQ(dump("return 1 + 2;"), "  Return\n    Binary +\n      Int 1\n      Int 2\n");
  EXPECT_EQ(dump("{ let a = 1; { f(a); } }"),
            "  Block\n"
            "    Let a\n"
            "      Int 1\n"
            "    Block\n"
            "      Expr\n"
            "        Call\n"
            "          Name f\n"
            "          Name a\n");
  EXPECT_EQ(dump(";;  ;"), "");
  EXPECT_EQ(dump(""), "");
  EXPECT_EQ(dump("while (c) { fn inner() { return; } break; }"),
            "  While\n"
            "    Name c\n"
            "    Block\n"
            "      Fn inner()\n"
            "        Block\n"
            "          Return\n"
            "      Break\n");
}

TEST(ParseStatements, CallsAndMethodCalls) {
  EXPECT_EQ(dump("print(\"a\", 1);\nobj:method(x);"),
            "  Expr\n"
            "    Call\n"
            "      Name print\n"
            "      String \"a\"\n"
            "      Int 1\n"
            "  Expr\n"
            "    Method method\n"
            "      Name obj\n"
            "      Name x\n");
}

// ---- The dump ----------------------------------------------------------------------------

TEST(AstDump, PositionsAndQuoting) {
  EXPECT_EQ(dump("let s = a[0] + f(\"q\\\"\\x01\\xff\\u{e9}\");\n  obj:m(-1.5);", true),
            "  Let s @1:1\n"
            "    Binary + @1:14\n"
            "      Index @1:10\n"
            "        Name a @1:9\n"
            "        Int 0 @1:11\n"
            "      Call @1:17\n"
            "        Name f @1:16\n"
            "        String \"q\\\"\\x01\\xff\xC3\xA9\" @1:18\n"
            "  Expr @2:3\n"
            "    Method m @2:6\n"
            "      Name obj @2:3\n"
            "      Float -1.5 @2:9\n");
  EXPECT_EQ(dump("let m = {k: 1e100, [true]: nil};"),
            "  Let m\n"
            "    Map\n"
            "      Entry name\n"
            "        String \"k\"\n"
            "        Float 1e+100\n"
            "      Entry computed\n"
            "        Bool true\n"
            "        Nil\n");
}

TEST(AstDump, ChunkHeaderAndFunctionHeights) {
  ast::Ast ast;
  Errors errors;
  ASSERT_TRUE(parse("dir/main.hako", "fn f(a) { return a + 1; }", &ast, &errors));
  TextBuffer buf(HAK_SITE("test.dump"));
  ASSERT_TRUE(ast::dump(ast, &buf));
  EXPECT_EQ(buf.view().substr(0, 19), "Chunk dir/main.hako");
  EXPECT_EQ(ast.file(), "dir/main.hako");
  EXPECT_EQ(ast.main()->name, "main");
  // Heights: Int, Binary, Return, Block, Function, FnStmt, chunk Block, main.
  const auto& fn = *ast.main()->body->stmts[0]->as<ast::FnStmt>().fn;
  EXPECT_EQ(fn.height, 5);
  EXPECT_EQ(ast.main()->body->height, 7);
}

}  // namespace
}  // namespace hako

// Lowering: scopes, globals and the compile errors (file:line:col: message) of
// docs/LANGUAGE.md, and the limits.
#include <gtest/gtest.h>

#include <string>

#include "tests/vm/compile_helpers.h"

namespace hako {
namespace {

using testing::compile_errors;

TEST(LowerErrors, UndeclaredNames) {
  EXPECT_EQ(compile_errors("print(x);"), "1:7: undeclared variable 'x'\n");
  EXPECT_EQ(compile_errors("x = 1;"), "1:1: undeclared variable 'x'\n");
  EXPECT_EQ(compile_errors("let a = 1;\na += b;\nfn f() { return c; }"),
            "2:6: undeclared variable 'b'\n3:17: undeclared variable 'c'\n");
  // A block's locals end with it.
  EXPECT_EQ(compile_errors("{ let y = 1; }\nprint(y);"), "2:7: undeclared variable 'y'\n");
  // `let x = x` reads an outer x: none here.
  EXPECT_EQ(compile_errors("fn f() { let x = x; }"), "1:18: undeclared variable 'x'\n");
  // Local functions are declared in order.
  EXPECT_EQ(compile_errors("fn f() { fn a() { return b(); } fn b() {} }"),
            "1:26: undeclared variable 'b'\n");
}

TEST(LowerErrors, GlobalsBeforeTheirDeclaration) {
  EXPECT_EQ(compile_errors("print(g);\nlet g = 1;"),
            "1:7: undeclared variable 'g' (it is declared later, at 2:5)\n");
  EXPECT_EQ(compile_errors("run();\nfn run() {}"),
            "1:1: undeclared variable 'run' (it is declared later, at 2:1)\n");
  // Inside a function it is fine: the function runs later.
  EXPECT_EQ(compile_errors("fn f() { return g; }\nlet g = 1;"), "");
  // Builtins are there from the start, and a chunk may redefine them.
  EXPECT_EQ(compile_errors("print(len, math, args);\nlet print = 1;"), "");
}

TEST(LowerErrors, ManyErrorsThenStop) {
  std::string src;
  for (int i = 0; i < 30; ++i) src += "u" + std::to_string(i) + " = 1;\n";
  std::string errors = compile_errors(src);
  EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 20) << errors;
  EXPECT_NE(errors.find("20:1: too many errors; stopping here\n"), std::string::npos) << errors;
}

TEST(LowerLimits, ParametersArgumentsUpvalues) {
  std::string params = "fn f(";
  for (int i = 0; i < 256; ++i) params += (i ? ", p" : "p") + std::to_string(i);
  params += ") {}";
  EXPECT_EQ(compile_errors(params), "1:1: too many parameters (more than 255)\n");
  std::string args = "fn f() { f(";
  for (int i = 0; i < 256; ++i) args += (i ? ", " : "") + std::string("1");
  args += "); }";
  EXPECT_NE(compile_errors(args).find("too many arguments (more than 255)"), std::string::npos);
  std::string ups = "fn f() {\n";
  for (int i = 0; i < 256; ++i)
    ups += "  let v" + std::to_string(i) + " = " + std::to_string(i) + ";\n";
  ups += "  return fn() { return v0";
  for (int i = 1; i < 256; ++i) ups += " + v" + std::to_string(i);
  ups += "; };\n}\n";
  EXPECT_NE(compile_errors(ups).find("too many variables captured by one function (more than 255)"),
            std::string::npos);
}

TEST(Lower, ParseErrorsComeFirst) {
  EXPECT_EQ(compile_errors("let x = ;\nprint(y);"), "1:9: expected an expression, got ';'\n");
}

TEST(Lower, PredefinedGlobals) {
  bc::Unit unit;
  Errors errors;
  CompileOptions opt;
  std::string_view host[] = {"host_fn"};
  opt.globals = host;
  EXPECT_TRUE(compile("t.hako", "host_fn(1); print(2);", &unit, &errors, opt));
  ASSERT_EQ(unit.globals().size(), 2u);
  EXPECT_EQ(unit.globals()[0], "host_fn");
  EXPECT_EQ(unit.globals()[1], "print");
  EXPECT_FALSE(compile("t.hako", "other(1);", &unit, &errors, opt));
  EXPECT_EQ(unit.main(), nullptr);  // a failed compilation leaves an empty unit
}

TEST(Lower, AHostChoosesTheBuiltins) {
  bc::Unit unit;
  Errors errors;
  CompileOptions opt;
  std::string_view without_io[] = {"print", "str"};
  opt.builtins = without_io;
  EXPECT_TRUE(compile("t.hako", "print(str(1));", &unit, &errors, opt));
  EXPECT_FALSE(compile("t.hako", "print(io.read_file(\"x\"));", &unit, &errors, opt));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_STREQ(errors[0].message, "undeclared variable 'io'");
}

TEST(Lower, ErrorsAreAppended) {
  // A caller may keep earlier errors in the vector: they do not make this compilation fail.
  Errors errors;
  bc::Unit unit;
  EXPECT_FALSE(compile("a.hako", "print(nope);", &unit, &errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(compile("b.hako", "print(1);", &unit, &errors));
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_NE(unit.main(), nullptr);
  EXPECT_FALSE(compile("c.hako", "x = 1;", &unit, &errors));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_STREQ(errors[1].message, "undeclared variable 'x'");
}

TEST(Lower, UnitOutlivesTheSource) {
  bc::Unit unit;
  {
    std::string src = "let s = \"a string constant\"; fn named() {} print(s);";
    std::string errors;
    ASSERT_TRUE(testing::compile_src(src, 1, &unit, &errors));
    src.assign(src.size(), 'x');
  }
  const bc::Proto& main = *unit.main();
  bool found = false;
  for (const bc::Constant& k : main.k)
    found |= k.kind == bc::Constant::Kind::String && k.str() == "a string constant";
  EXPECT_TRUE(found);
  EXPECT_EQ(main.protos[0]->name, "named");
  EXPECT_EQ(unit.file(), "t.hako");
}

}  // namespace
}  // namespace hako

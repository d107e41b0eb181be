// The compiler checked by what its code does: each program is compiled at -O0 and at -O1
// (with the MIR verifier after every pass), run on the reference interpreter of
// tests/vm/bc_eval.h, and its output compared with what docs/LANGUAGE.md says it prints.
#include <gtest/gtest.h>

#include <string>

#include "tests/vm/compile_helpers.h"

namespace hako {
namespace {

using testing::run;

// Runs `src` at both levels; both must print `want`.
void expect_output(const std::string& src, const std::string& want) {
  EXPECT_EQ(run(src, 0), want) << "at -O0:\n" << src;
  EXPECT_EQ(run(src, 1), want) << "at -O1:\n" << src;
}

TEST(CompileRun, Arithmetic) {
  expect_output("print(1 + 2, 7 - 10, 6 * 7, 7 / 2, 7 // 2, 7 % 3, 2 ** 10);",
                "3\t-3\t42\t3.5\t3\t1\t1024.0\n");
  expect_output("print(-7 // 2, -7 % 3, 7 // -2, 7 % -3, -7.5 // 2, -7.5 % 2);",
                "-4\t2\t-4\t-2\t-4.0\t0.5\n");
  expect_output("print(9223372036854775807 + 1, -9223372036854775808 - 1);",
                "-9223372036854775808\t9223372036854775807\n");
  expect_output("print(-9223372036854775808 // -1, -9223372036854775808 % -1);",
                "-9223372036854775808\t0\n");
  expect_output("print(1 + 2.5, 2 * 0.5, 1 / 0, -1 / 0, 10 % 3.5);", "3.5\t1.0\tinf\t-inf\t3.0\n");
  // Through variables, so that -O1 folds what -O0 computes at run time.
  expect_output("let a = 7; let b = -2; print(a // b, a % b, a / b, a ** b);",
                "-4\t-1\t-3.5\t0.02040816326530612\n");
}

TEST(CompileRun, ErrorsAreNotFolded) {
  expect_output("let r = pcall(fn() { return 1 // 0; }); print(r.ok, r.error);",
                "false\tline 1: integer division by zero\n");
  expect_output("let r = pcall(fn() { return 1 % 0; }); print(r.ok);", "false\n");
  expect_output("let r = pcall(fn() { return 1 + \"a\"; }); print(r.ok);", "false\n");
  expect_output("let r = pcall(fn() { return 1 < \"a\"; }); print(r.ok);", "false\n");
  expect_output("let r = pcall(fn() { return \"x\" .. nil; }); print(r.ok);", "false\n");
  expect_output("let r = pcall(fn() { return -\"x\"; }); print(r.ok);", "false\n");
  expect_output("print(1.0 // 0, -1 % 0.0);", "inf\tnan\n");
}

TEST(CompileRun, Comparisons) {
  expect_output("print(1 == 1.0, 1 < 1.5, 2 <= 2, 3 > 2, 3 >= 4, 1 != 1, \"a\" < \"b\");",
                "true\ttrue\ttrue\ttrue\tfalse\tfalse\ttrue\n");
  expect_output("let x = 9007199254740993; print(x == 9007199254740992.0, x > 9007199254740992.0);",
                "false\ttrue\n");
  expect_output("let n = 0 / 0; print(n == n, n < 1, n >= 1, !(n < 1));",
                "false\tfalse\tfalse\ttrue\n");
  expect_output(
      "let a = [1]; let b = a; print(a == b, a == [1], nil == false, \"ab\" == \"a\" .. \"b\");",
      "true\tfalse\tfalse\ttrue\n");
  expect_output(R"(
let n = 0 / 0;
if (n < 1) { print("lt"); } else { print("not lt"); }
if (!(n >= 1)) { print("not ge"); }
if (n != n) { print("ne"); }
for (i in range(0, 3)) { if (i > 1) { print("gt", i); } if (2 <= i) { print("le", i); } }
)",
                "not lt\nnot ge\nne\ngt\t2\nle\t2\n");
}

TEST(CompileRun, ShortCircuitReturnsAnOperand) {
  expect_output("print(nil && 1, false || \"x\", 1 && 2, nil || false, 0 && \"zero is true\");",
                "nil\tx\t2\tfalse\tzero is true\n");
  expect_output(R"(
let calls = 0;
fn f(v) { calls += 1; return v; }
let a = f(false) && f(1);
let b = f(1) || f(2);
let c = (f(nil) || f(3)) && (f(4) || f(5));
print(a, b, c, calls);
)",
                "false\t1\t4\t5\n");
  expect_output("let x = 1; x = x && 2; let y = 3; y = nil || y; print(x, y, !x, !nil);",
                "2\t3\tfalse\ttrue\n");
  expect_output(
      "let t = 0; if (t && nil) { print(1); } else { print(2); } while (t || nil) { t = nil; }",
      "2\n");
}

TEST(CompileRun, Strings) {
  expect_output(R"(print("a" .. "b" .. 1 .. 2.5 .. "c", len("hello"), "héllo"[1]);)",
                "ab12.5c\t5\t\xc3\n");
  expect_output(R"(let s = ""; for (i in range(0, 5)) { s ..= str(i) .. ","; } print(s);)",
                "0,1,2,3,4,\n");
  expect_output(R"(let a = "x"; let b = a .. a .. a; let m = {k: "v"}; m.k ..= b; print(m.k);)",
                "vxxx\n");
  expect_output("print(1 .. \"\", 1.0 .. \"\", 1e100 .. \"\", -0.0 .. \"\");",
                "1\t1.0\t1e+100\t-0.0\n");
}

TEST(CompileRun, ArraysAndMaps) {
  expect_output(R"(
let a = [1, 2, 3];
a[0] = 10; a[3] = 4; push(a, 5);
print(a, len(a), a[4]);
let m = {x: 1, "y": 2, [1 + 2]: "three"};
m.z = 3; m["w"] = 4;
print(m, m.x + m["y"], m[3], m.missing);
)",
                "[10, 2, 3, 4, 5]\t5\t5\n{\"x\": 1, \"y\": 2, 3: \"three\", \"z\": 3, \"w\": "
                "4}\t3\tthree\tnil\n");
  std::string big = "let a = [";
  for (int i = 0; i < 130; ++i) big += std::to_string(i) + ", ";
  big += "]; print(len(a), a[0], a[49], a[50], a[129]);";
  expect_output(big, "130\t0\t49\t50\t129\n");
  expect_output("let r = pcall(fn() { let a = [1]; return a[5]; }); print(r.ok, r.error);",
                "false\tline 1: index 5 out of range (length 1)\n");
}

TEST(CompileRun, CompoundAssignmentEvaluatesOnce) {
  expect_output(R"(
let n = 0;
fn obj() { n += 1; return o; }
fn key() { n += 10; return "k"; }
let o = {k: 1};
obj()[key()] += 5;
obj().k *= 3;
obj()[key()] ..= "!";
print(o.k, n);
let a = [1, 2];
let i = 0;
a[i] -= 3; a[i + 1] /= 4;
print(a);
)",
                "18!\t23\n[-2, 0.5]\n");
}

TEST(CompileRun, Loops) {
  expect_output(R"(
let s = 0;
for (i in range(0, 10)) { if (i == 2) { continue; } if (i == 6) { break; } s += i; }
print(s);
for (i in range(5, 0, -2)) { print(i); }
for (i in range(0, 0)) { print("never"); }
let k = 0;
while (true) { k += 1; if (k >= 3) { break; } }
print(k);
let j = 0;
while (j < 5) { j += 1; if (j % 2 == 0) { continue; } print("odd", j); }
)",
                "13\n5\n3\n1\n3\nodd\t1\nodd\t3\nodd\t5\n");
  // The loop variable is a copy: assigning to it does not change the iteration.
  expect_output("for (i in range(0, 3)) { print(i); i = 10; }", "0\n1\n2\n");
  // Bounds are evaluated once.
  expect_output("let n = 3; for (i in range(0, n)) { n = 10; print(i); }", "0\n1\n2\n");
  // Near the ends of the int range.
  expect_output(R"(
let c = 0;
for (i in range(9223372036854775800, 9223372036854775807, 3)) { c += 1; print(i); }
for (i in range(-9223372036854775807, -9223372036854775808, -5)) { print(i); }
)",
                "9223372036854775800\n9223372036854775803\n9223372036854775806\n"
                "-9223372036854775807\n");
  expect_output("let r = pcall(fn() { for (i in range(0, 1.5)) {} }); print(r.error);",
                "line 1: range: arguments must be integers\n");
  expect_output("let r = pcall(fn() { for (i in range(0, 5, 0)) {} }); print(r.error);",
                "line 1: range: step is zero\n");
}

TEST(CompileRun, ForIn) {
  expect_output(
      R"(
for (v in [10, 20]) { print(v); }
for (i, v in ["a", "b"]) { print(i, v); }
let m = {one: 1, two: 2};
for (k in m) { print(k); }
for (k, v in m) { print(k, v); }
let r = pcall(fn() { for (x in 5) {} });
print(r.error);
)",
      "10\n20\n0\ta\n1\tb\none\ntwo\none\t1\ntwo\t2\nline 7: cannot iterate over a int value\n");
  // Nested loops, break out of the inner one.
  expect_output(R"(
for (a in [1, 2, 3]) {
  for (b in [1, 2, 3]) { if (b > a) { break; } print(a, b); }
}
)",
                "1\t1\n2\t1\n2\t2\n3\t1\n3\t2\n3\t3\n");
}

TEST(CompileRun, RangeShadowed) {
  // A local named range makes the loop iterate over what the call returns.
  expect_output(R"(
fn f() {
  let range = fn(a, b) { return [b, a]; };
  for (i in range(1, 2)) { print(i); }
}
f();
for (i in range(1, 3)) { print(i); }
)",
                "2\n1\n1\n2\n");
}

TEST(CompileRun, Closures) {
  // Each iteration has its own variable.
  expect_output(R"(
let fs = [];
for (i in range(0, 3)) { push(fs, fn() { return i; }); }
for (v in [10, 20]) { push(fs, fn() { return v; }); }
let k = 0;
while (k < 2) { let j = k * 100; push(fs, fn() { return j; }); k += 1; }
let out = [];
for (f in fs) { push(out, f()); }
print(out);
)",
                "[0, 1, 2, 10, 20, 0, 100]\n");
  // Captured and assigned: shared between the frame and the closures.
  expect_output(R"(
fn counter() {
  let n = 0;
  let inc = fn() { n += 1; return n; };
  let get = fn() { return n; };
  inc(); inc();
  n += 10;
  return [inc(), get(), n];
}
print(counter());
)",
                "[13, 13, 13]\n");
  // A loop variable that closures capture and the body assigns: a box per iteration.
  expect_output(R"(
let fs = [];
for (i in range(0, 3)) { push(fs, fn() { i += 100; return i; }); i += 1; }
print(fs[0](), fs[0](), fs[2]());
)",
                "101\t201\t103\n");
  // Through several levels, and a parameter captured and assigned.
  expect_output(R"(
fn outer(x) {
  let y = 2;
  return fn(z) {
    return fn() { x += 1; return x + y + z; };
  };
}
let f = outer(10)(100);
print(f(), f());
)",
                "113\t114\n");
}

TEST(CompileRun, Recursion) {
  expect_output(R"(
fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
fn wrap() {
  fn fact(n) { if (n <= 1) { return 1; } return n * fact(n - 1); }
  let g = fn() { return fact(5); };
  return [fact(10), g()];
}
print(fib(15), wrap());
)",
                "610\t[3628800, 120]\n");
  // A local function that is reassigned lives in a box.
  expect_output(R"(
fn f() {
  fn g(n) { return n; }
  let old = g;
  g = fn(n) { return old(n) * 2; };
  return g(21);
}
print(f());
)",
                "42\n");
}

TEST(CompileRun, MethodCalls) {
  expect_output(R"(
let calls = 0;
fn make() { calls += 1; return {v: 5, get: fn(self, d) { return self.v + d; }}; }
print(make():get(1), calls);
let o = make();
o.v = 7;
print(o:get(3));
)",
                "6\t1\n10\n");
}

TEST(CompileRun, CallsWithFewerOrMoreArguments) {
  expect_output(R"(
fn f(a, b, c) { return [a, b, c]; }
print(f(1), f(1, 2, 3, 4));
fn g() {}
print(g(), g(1, 2));
)",
                "[1, nil, nil]\t[1, 2, 3]\nnil\tnil\n");
}

TEST(CompileRun, Globals) {
  // Functions may use globals declared further down (they run later).
  expect_output(R"(
fn show() { print(later, type(helper)); }
let later = 1;
fn helper() {}
show();
later = 2;
show();
let later = 3;
show();
)",
                "1\tfunction\n2\tfunction\n3\tfunction\n");
  expect_output("let print2 = print; print = nil; print2(print); print = print2; print(1);",
                "nil\n1\n");
}

TEST(CompileRun, Scopes) {
  expect_output(R"(
let x = "global";
{
  let x = "outer";
  {
    let x = "inner";
    print(x);
  }
  print(x);
  let x = x .. "2";
  print(x);
}
print(x);
if (true) { let y = 1; print(y); }
fn f(x) { let x = x + 1; return x; }
print(f(1));
)",
                "inner\nouter\nouter2\nglobal\n1\n2\n");
}

TEST(CompileRun, TopLevelReturn) {
  expect_output("print(1); return; print(2);", "1\n");
  expect_output("if (true) { print(1); return 5; } print(2);", "1\n");
}

TEST(CompileRun, ManyConstantsAndRegisters) {
  // More than 256 constants in one function: operands past 255 go through a scratch
  // register.
  std::string src = "let m = {};\n";
  for (int i = 0; i < 300; ++i) {
    src += "m.k" + std::to_string(i) + " = " + std::to_string(i * 1000003) + ";\n";
  }
  src += "let s = 0; for (k, v in m) { s += v; } print(s, m.k299, m[\"k0\"]);\n";
  src += "let x = m.k299; print(x + 1.5, x - 100000, x * 1000000, x == 299000897, x < 1e10);\n";
  expect_output(src,
                "44850134550\t299000897\t0\n299000898.5\t298900897\t299000897000000\ttrue\ttrue\n");
  // A wide expression: many values alive at once.
  std::string wide = "fn f(";
  for (int i = 0; i < 100; ++i) wide += (i ? ", a" : "a") + std::to_string(i);
  wide += ") { return a0";
  for (int i = 1; i < 100; ++i) wide += " + a" + std::to_string(i);
  wide += "; }\nprint(f(";
  for (int i = 0; i < 100; ++i) wide += (i ? ", " : "") + std::to_string(i);
  wide += "));\n";
  expect_output(wide, "4950\n");
}

TEST(CompileRun, DeepNesting) {
  std::string src;
  for (int i = 0; i < 40; ++i)
    src += "fn f" + std::to_string(i) + "(x) { let v" + std::to_string(i) + " = x;\n";
  src += "return v0 + v39;\n";
  for (int i = 39; i >= 1; --i) {
    src += "}\nreturn f" + std::to_string(i) + "(x + 1);\n";
  }
  src += "}\nprint(f0(1));\n";
  expect_output(src, "41\n");
}

}  // namespace
}  // namespace hako

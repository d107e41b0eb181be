// The constant folder (vm/mir/fold.cc, on vm/arith.h) and the runtime's operators
// (vm/value_ops.h) must agree bit for bit, or -O0 and -O1 would print different numbers. For
// a grid of operands — wrap-around edges, signed zeros, infinities, NaN, ints a double cannot
// hold — each operator's folded constant is compared with what the runtime computes, and
// where the runtime raises, the folder must leave the operation alone.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/vm/compile_helpers.h"
#include "tests/vm/runtime_helpers.h"
#include "vm/dump_text.h"

namespace hako {
namespace {

struct Operand {
  const char* src;  // as Hako source (folded to a constant)
  vm::Value value;
};

std::vector<Operand> operands() {
  const double inf = 1.0 / 0.0;
  return {
      {"0", vm::Value::integer(0)},
      {"1", vm::Value::integer(1)},
      {"-1", vm::Value::integer(-1)},
      {"7", vm::Value::integer(7)},
      {"-7", vm::Value::integer(-7)},
      {"3", vm::Value::integer(3)},
      {"9223372036854775807", vm::Value::integer(INT64_MAX)},
      {"-9223372036854775808", vm::Value::integer(INT64_MIN)},
      {"9007199254740993", vm::Value::integer(9007199254740993)},
      {"0.0", vm::Value::number(0.0)},
      {"-0.0", vm::Value::number(-0.0)},
      {"0.5", vm::Value::number(0.5)},
      {"-7.5", vm::Value::number(-7.5)},
      {"2.0", vm::Value::number(2.0)},
      {"9007199254740992.0", vm::Value::number(9007199254740992.0)},
      {"9223372036854775808.0", vm::Value::number(9223372036854775808.0)},
      {"1e300", vm::Value::number(1e300)},
      {"(1.0 / 0)", vm::Value::number(inf)},
      {"(-1.0 / 0)", vm::Value::number(-inf)},
      {"(0.0 / 0)", vm::Value::number(0.0 / 0.0)},
  };
}

// A value as the MIR dump writes a constant.
std::string text(vm::Value v) {
  TextBuffer out(HAK_SITE("test.output"));
  if (v.is_int()) {
    put_int(&out, v.i);
  } else if (v.is_float()) {
    put_float(&out, v.f);
  } else {
    out.append(v.truthy() ? "true" : "false");
  }
  return std::string(out.view());
}

// What `return EXPR;` folds to at -O1, or "not folded".
std::string folded(const std::string& expr) {
  std::string mir = testing::mir_text("return " + expr + ";", 1);
  size_t b0 = mir.find("b0:\n");
  size_t eq = mir.find(" = loadk ", b0);
  size_t nl = mir.find('\n', b0 + 4);
  if (b0 == std::string::npos || eq == std::string::npos || eq > nl) return "not folded";
  size_t next = mir.find('\n', nl + 1);
  if (mir.compare(nl + 1, 6, "  ret ") != 0 || next == std::string::npos) return "not folded";
  std::string v = mir.substr(eq + 9, mir.find(" ;", eq) - (eq + 9));
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

TEST(FoldAgreesWithRuntime, Arithmetic) {
  vm::testing::TestRuntime rt;
  ASSERT_TRUE(rt.operator->());
  struct Op {
    const char* src;
    vm::ArithOp op;
  };
  const Op ops[] = {{"+", vm::ArithOp::kAdd},       {"-", vm::ArithOp::kSub},
                    {"*", vm::ArithOp::kMul},       {"/", vm::ArithOp::kDiv},
                    {"//", vm::ArithOp::kFloorDiv}, {"%", vm::ArithOp::kMod},
                    {"**", vm::ArithOp::kPow}};
  int checked = 0, raised = 0;
  for (const Op& op : ops) {
    for (const Operand& a : operands()) {
      for (const Operand& b : operands()) {
        std::string expr = std::string("(") + a.src + ") " + op.src + " (" + b.src + ")";
        vm::Value r;
        bool ok = vm::arith(*rt, op.op, a.value, b.value, &r);
        std::string want = ok ? text(r) : "not folded";
        EXPECT_EQ(folded(expr), want) << expr;
        ++checked;
        raised += !ok;
      }
    }
  }
  EXPECT_GT(raised, 0);  // int // 0 and int % 0 were among them
  EXPECT_EQ(checked, 7 * 20 * 20);
}

TEST(FoldAgreesWithRuntime, Comparisons) {
  for (const Operand& a : operands()) {
    for (const Operand& b : operands()) {
      std::string pair = std::string("(") + a.src + ") ";
      std::string rhs = std::string(" (") + b.src + ")";
      EXPECT_EQ(folded(pair + "<" + rhs), vm::num_lt(a.value, b.value) ? "true" : "false")
          << pair << "<" << rhs;
      EXPECT_EQ(folded(pair + "<=" + rhs), vm::num_le(a.value, b.value) ? "true" : "false")
          << pair << "<=" << rhs;
      EXPECT_EQ(folded(pair + "==" + rhs), vm::equal(a.value, b.value) ? "true" : "false")
          << pair << "==" << rhs;
    }
  }
}

}  // namespace
}  // namespace hako

// The bytecode's encoding (vm/bytecode.h) and what emission makes of MIR: formats round
// trip, register lists, the line table, fall-through, constants past 255.
#include "vm/bytecode.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/vm/compile_helpers.h"

namespace hako {
namespace {

using namespace hako::bc;

TEST(Bytecode, FormatsRoundTrip) {
  Instr i = make_abc(Op::ADD, 1, 2, 255);
  EXPECT_EQ(op(i), Op::ADD);
  EXPECT_EQ(A(i), 1u);
  EXPECT_EQ(B(i), 2u);
  EXPECT_EQ(C(i), 255u);
  EXPECT_EQ(sC(make_abc(Op::ADDI, 0, 0, static_cast<uint8_t>(-128))), -128);
  EXPECT_EQ(Bx(make_abx(Op::LOADK, 3, 65535)), 65535u);
  EXPECT_EQ(sBx(make_asbx(Op::LOADI, 3, -32768)), -32768);
  EXPECT_EQ(sBx(make_asbx(Op::LOADI, 3, 32767)), 32767);
  EXPECT_EQ(A(make_asbx(Op::LOADI, 3, -1)), 3u);
  EXPECT_EQ(sJ(make_sj(Op::JMP, kMinSJ)), kMinSJ);
  EXPECT_EQ(sJ(make_sj(Op::JMP, kMaxSJ)), kMaxSJ);
  Instr c = make_abk(Op::BLTI, 7, kMinSBk, 1);
  EXPECT_EQ(A(c), 7u);
  EXPECT_EQ(sBk(c), kMinSBk);
  EXPECT_EQ(k(c), 1u);
  EXPECT_EQ(sBk(make_abk(Op::BLTI, 7, kMaxSBk, 0)), kMaxSBk);
  EXPECT_EQ(k(make_abk(Op::BLTI, 7, kMaxSBk, 0)), 0u);
  EXPECT_EQ(Bk(make_abk(Op::BEQK, 1, 32767, 1)), 32767u);
}

TEST(Bytecode, OpcodeTable) {
  // The arithmetic families are laid out in step (the VM may rely on op - ADD etc.).
  EXPECT_EQ(static_cast<int>(Op::ADDK) - static_cast<int>(Op::ADD), 7);
  EXPECT_EQ(static_cast<int>(Op::ADDI) - static_cast<int>(Op::ADD), 14);
  EXPECT_EQ(static_cast<int>(Op::POWI) - static_cast<int>(Op::POW), 14);
  EXPECT_STREQ(op_info(Op::GETFIELD).name, "GETFIELD");
  EXPECT_EQ(op_info(Op::CALL).c, Arg::L);
  EXPECT_EQ(op_info(Op::BEQK).format, Format::ABk);
}

TEST(Bytecode, RegisterLists) {
  Instr code[3] = {make_abc(Op::CALL, 0, 1, 5), 0x04030201u, 0x00000005u};
  EXPECT_EQ(instr_length(code), 3u);
  for (unsigned n = 0; n < 5; ++n) EXPECT_EQ(list_reg(code, n), n + 1);
  Instr none = make_abc(Op::CALL, 0, 1, 0);
  EXPECT_EQ(instr_length(&none), 1u);
  Instr four = make_abc(Op::CONCAT, 0, 0, 4);
  EXPECT_EQ(instr_length(&four), 2u);
}

TEST(Bytecode, LineTable) {
  bc::Unit unit;
  std::string errors;
  ASSERT_TRUE(
      testing::compile_src("let a = 1;\n\nlet b = [a,\n a];\nprint(b);\n", 1, &unit, &errors));
  const Proto& p = *unit.main();
  EXPECT_EQ(line_at(p, 0), 1u);
  EXPECT_EQ(line_at(p, static_cast<uint32_t>(p.code.size() - 1)), 6u);  // the final RETURN0
  for (size_t i = 1; i < p.lines.size(); ++i) {
    EXPECT_LT(p.lines[i - 1].pc, p.lines[i].pc);
    EXPECT_NE(p.lines[i - 1].line, p.lines[i].line);
  }
}

TEST(Bytecode, ConstantsPast255) {
  // Field names and constants that operands name are numbered first; beyond 256 they go
  // through the scratch register.
  std::string src = "fn f(m) {\n";
  for (int i = 0; i < 300; ++i) src += "  m.f" + std::to_string(i) + " = 1;\n";
  src += "  return m.f299 + 100000;\n}\n";
  std::string bc = testing::bytecode_text(src, 1);
  EXPECT_NE(bc.find("SETFIELD   0 0 1"), std::string::npos) << bc.substr(0, 2000);
  // The 300 names, 100000 and 1: registers 0 (m), 1 (the value), 2 (scratch).
  EXPECT_NE(bc.find("params 1, registers 3, upvalues 0, constants 301"), std::string::npos);
  EXPECT_NE(bc.find("SETINDEX   0 2 1"), std::string::npos);
  EXPECT_NE(bc.find("LOADK      2 299               ; \"f299\"\n"), std::string::npos);
  EXPECT_NE(bc.find("GETINDEX   0 0 2"), std::string::npos);  // m dies here: its slot is reused
  EXPECT_NE(bc.find("LOADK      2 300               ; 100000"), std::string::npos);
  EXPECT_NE(bc.find("ADD        0 0 2"), std::string::npos);
}

TEST(Bytecode, FallThroughAndConditionals) {
  std::string bc = testing::bytecode_text("fn f(x) { if (x < 10) { return 1; } return 2; }", 1);
  // The condition jumps over the `then` part when false (k=0), falling through otherwise.
  EXPECT_NE(bc.find("BLTI       0 10 k=0"), std::string::npos) << bc;
  EXPECT_NE(bc.find("JMP        2"), std::string::npos) << bc;
}

TEST(Bytecode, LoadsPickTheShortForms) {
  std::string bc = testing::bytecode_text(
      "return [nil, true, false, 1, -32768, 32768, 2.0, -0.0, 0.5, \"s\"];", 1);
  for (const char* want :
       {"LOADNIL", "LOADTRUE", "LOADFALSE", "LOADI      3 1", "LOADI      4 -32768",
        "LOADK      5 0", "LOADF      6 2", "LOADK      7 1", "LOADK      8 2", "LOADK      9 3"}) {
    EXPECT_NE(bc.find(want), std::string::npos) << want << "\n" << bc;
  }
}

}  // namespace
}  // namespace hako

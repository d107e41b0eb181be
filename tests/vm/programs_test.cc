// Every Hako program in the tree (the golden programs, and samples/ when it is there)
// compiles at -O0 and -O1 to units that keep docs/BYTECODE.md's guarantees; the golden
// programs print the same at both levels; and the checker of those guarantees (bc_check.h)
// does catch broken units.
#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/vm/compile_helpers.h"

namespace hako {
namespace {

std::vector<std::string> hako_files(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".hako") == 0 && n.rfind("err_", 0) != 0) {
        out.push_back(dir + "/" + n);
      }
    }
    closedir(d);
  }
  return out;
}

TEST(Programs, CompileAndKeepTheGuarantees) {
  std::vector<std::string> files = hako_files("tests/golden/mir");
  ASSERT_FALSE(files.empty()) << "run from the top of the tree";
  for (const std::string& f : hako_files("samples")) files.push_back(f);
  for (const std::string& path : files) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    for (int opt = 0; opt <= 1; ++opt) {
      bc::Unit unit;
      std::string errors;
      EXPECT_TRUE(testing::compile_src(ss.str(), opt, &unit, &errors)) << path << "\n" << errors;
    }
  }
}

TEST(Programs, GoldenProgramsRunTheSameAtBothLevels) {
  std::vector<std::string> files = hako_files("tests/golden/mir");
  ASSERT_FALSE(files.empty()) << "run from the top of the tree";
  for (const std::string& path : files) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string o0 = testing::run(ss.str(), 0), o1 = testing::run(ss.str(), 1);
    EXPECT_EQ(o0, o1) << path;
    EXPECT_EQ(o0.find("COMPILE ERROR"), std::string::npos) << path << ": " << o0;
  }
}

TEST(Programs, TheCheckerCatchesBrokenUnits) {
  bc::Unit unit;
  std::string errors;
  ASSERT_TRUE(testing::compile_src("fn f(x) { if (x < 1) { return [x]; } return x.k; }", 1, &unit,
                                   &errors));
  const bc::Proto& f = *unit.main()->protos[0];
  auto* code = const_cast<bc::Instr*>(f.code.data());
  EXPECT_EQ(testing::check_unit(unit), "");
  int broken = 0;
  for (size_t pc = 0; pc + 1 < f.code.size(); ++pc) {
    bc::Instr saved = code[pc], next = code[pc + 1];
    switch (bc::op(saved)) {
      case bc::Op::JMP:
        code[pc] = bc::make_sj(bc::Op::JMP, 100);
        EXPECT_NE(testing::check_unit(unit).find("jump target"), std::string::npos);
        ++broken;
        break;
      case bc::Op::GETFIELD:
        code[pc] = bc::make_abc(bc::Op::GETFIELD, 200, bc::B(saved), bc::C(saved));
        EXPECT_NE(testing::check_unit(unit).find("register out of range"), std::string::npos);
        ++broken;
        break;
      case bc::Op::BLTI:
        code[pc + 1] = bc::make_abc(bc::Op::MOVE, 0, 0, 0);
        EXPECT_NE(testing::check_unit(unit).find("without its JMP"), std::string::npos);
        ++broken;
        break;
      default:
        break;
    }
    code[pc] = saved;
    code[pc + 1] = next;
  }
  EXPECT_EQ(broken, 3);
  EXPECT_EQ(testing::check_unit(unit), "");
}

}  // namespace
}  // namespace hako

// The work budget on long-running builtins, and the io module (and leaving it out).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/vm/runtime_helpers.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;
using T = TestRuntime;

TEST(Budget, StopsLongBuiltinsBeforeTheWork) {
  T t;
  Value big_map = t.map({});
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(map_set(*t, big_map.as_map(), T::i(i), T::i(i)));
  Value big_arr = t.ok("range", {T::i(100000)});
  std::string doc = "[";
  for (int i = 0; i < 100000; ++i) doc += (i ? ",1" : "1");
  doc += "]";
  Value doc_v = t.str(doc);
  Value csv = t.str(std::string(200000, ','));
  t->collect();
  size_t heap = t->heap_bytes();
  struct Case {
    const char* fn;
    std::vector<Value> args;
  } cases[] = {
      {"string.rep", {t.str("abc"), T::i(100000000)}},
      {"keys", {big_map}},
      {"range", {T::i(100000000)}},
      {"json.parse", {doc_v}},
      {"json.stringify", {big_arr}},
      {"str", {big_arr}},
      {"string.split", {csv, t.str(",")}},
      {"string.join", {big_arr, t.str(",")}},
      {"sort", {big_arr}},
  };
  for (Case& c : cases) {
    t->set_budget(500);
    Value r;
    EXPECT_FALSE(t.call(c.fn, c.args, &r)) << c.fn;
    EXPECT_EQ(t->error_kind(), ErrorKind::kBudget) << c.fn;
    EXPECT_EQ(t.error_text(), "instruction budget exhausted");
    EXPECT_EQ(t->budget, 0);
    t->collect();
    EXPECT_LT(t->heap_bytes(), heap + 1024) << c.fn;  // nothing big was kept
    heap = t->heap_bytes();
  }
  t->set_budget(-1);
  EXPECT_EQ(t.ok("string.rep", {t.str("ab"), T::i(3)}).as_string()->view(), "ababab");
}

TEST(Budget, CountsDown) {
  RuntimeOptions o;
  o.budget = 1000000;
  T t(o);
  EXPECT_EQ(t->budget, 1000000);
  t.ok("range", {T::i(1000)});
  EXPECT_EQ(t->budget, 1000000 - 1000);
  EXPECT_TRUE(t->charge(10));
  EXPECT_EQ(t->budget, 1000000 - 1010);
  EXPECT_FALSE(t->charge(2000000));
  EXPECT_EQ(t->error_kind(), ErrorKind::kBudget);
  t->clear_error();
  EXPECT_FALSE(t->charge(1));  // stays exhausted until reset
  t->clear_error();
  t->set_budget(5);
  EXPECT_TRUE(t->charge(5));
  EXPECT_FALSE(t->charge(1));
  t->clear_error();
}

class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hako_io_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    for (const char* f : {"/a.txt", "/b.txt", "/empty.txt", "/crlf.txt"})
      std::remove((dir + f).c_str());
    rmdir(dir.c_str());
  }
  std::string dir;
};

TEST_F(IoTest, WriteReadLines) {
  T t;
  Value path = t.str(dir + "/a.txt");
  EXPECT_TRUE(t.ok("io.write_file", {path, t.str("one\ntwo\n\nthree")}).is_nil());
  EXPECT_EQ(t.text("io.read_file", {path}), "one\ntwo\n\nthree");
  EXPECT_EQ(t.text("io.lines", {path}), "[\"one\", \"two\", \"\", \"three\"]");
  t.ok("io.write_file", {path, t.str("last\n")});
  EXPECT_EQ(t.text("io.lines", {path}), "[\"last\"]");  // a final \n ends the line
  Value crlf = t.str(dir + "/crlf.txt");
  t.ok("io.write_file", {crlf, t.str("a\r\nb\r\n")});
  EXPECT_EQ(t.text("io.lines", {crlf}), "[\"a\\r\", \"b\\r\"]");
  Value empty = t.str(dir + "/empty.txt");
  t.ok("io.write_file", {empty, t.str("")});
  EXPECT_EQ(t.text("io.read_file", {empty}), "");
  EXPECT_EQ(t.text("io.lines", {empty}), "[]");
  // Binary data and a big file.
  std::string bin(300000, '\0');
  for (size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>(i * 131);
  Value b = t.str(dir + "/b.txt");
  t.ok("io.write_file", {b, t.str(bin)});
  EXPECT_EQ(t.ok("io.read_file", {b}).as_string()->view(), bin);
  std::ifstream in(dir + "/b.txt", std::ios::binary);
  std::string disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(disk, bin);
}

TEST_F(IoTest, Errors) {
  T t;
  std::string missing = dir + "/missing.txt";
  EXPECT_EQ(t.fails("io.read_file", {t.str(missing)}),
            "io.read_file: cannot open '" + missing + "': No such file or directory");
  EXPECT_EQ(t.fails("io.lines", {t.str(missing)}),
            "io.lines: cannot open '" + missing + "': No such file or directory");
  EXPECT_EQ(t.fails("io.read_file", {t.str(dir)}),
            "io.read_file: cannot read '" + dir + "': Is a directory");
  EXPECT_EQ(t.fails("io.write_file", {t.str(dir + "/no/such/dir.txt"), t.str("x")}),
            "io.write_file: cannot open '" + dir + "/no/such/dir.txt': No such file or directory");
  EXPECT_EQ(t.fails("io.write_file", {t.str(dir + "/a.txt"), T::i(1)}),
            "bad argument #2 to 'io.write_file' (string expected, got int)");
  EXPECT_EQ(t.fails("io.read_file", {t.str(std::string_view("a\0b", 3))}),
            "bad argument #1 to 'io.read_file' (path contains a NUL byte)");
  EXPECT_EQ(t.fails("io.read_file", {}),
            "bad argument #1 to 'io.read_file' (string expected, got no value)");
}

TEST(Io, CanBeLeftOut) {
  RuntimeOptions o;
  o.io = false;
  T t(o);
  EXPECT_TRUE(t->get_global("io").is_nil());
  EXPECT_TRUE(t->get_global("json").is_map());  // the rest is there
}

}  // namespace
}  // namespace hako::vm

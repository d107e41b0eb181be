// The interpreter (vm/interp.h): calls, closures and boxes, errors and tracebacks, the
// limits (stack overflow, budget, memory), calls from C++, stack growth, globals across
// units, and many runtimes on many threads. Every test runs with the computed-goto loop and
// with the switch loop (the same source, interp_loop.h).
#include "vm/interp.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/vm/runtime_helpers.h"
#include "vm/compile.h"

namespace hako::vm {
namespace {

using testing::TestRuntime;

// A runtime that compiles and runs source text, and tells what happened.
class Vm {
 public:
  explicit Vm(bool switch_dispatch, RuntimeOptions o = {}) : t_(with(o, switch_dispatch)) {}

  Runtime& rt() { return *t_; }
  TestRuntime& t() { return t_; }
  const std::string& out() const { return t_.out; }

  // Compiles and runs `src` with the globals defined so far; false after a compile or
  // runtime error (error() then has it).
  bool run(const std::string& src, Value* ret = nullptr) {
    error_.clear();
    std::vector<std::string_view> names;
    Map* g = t_->globals();
    for (uint32_t i = 0; i < g->used; ++i)
      if (g->entries[i].live() && g->entries[i].key_tag == kString)
        names.push_back(reinterpret_cast<String*>(g->entries[i].key_bits)->view());
    CompileOptions co;
    co.globals = names;
    co.verify = true;
    bc::Unit unit;
    Errors errors;
    if (!compile("t.hako", src, &unit, &errors, co)) {
      for (const Error& e : errors)
        error_ += std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message + "\n";
      return false;
    }
    Value r;
    bool ok = load(*t_, unit) && run_loaded(*t_, &r);
    if (!ok) {
      error_ = message();
      t_->clear_error();
    } else if (ret) {
      *ret = t_.pin(r);
    }
    EXPECT_EQ(t_->nframes, 0u);  // every frame unwound or returned
    return ok;
  }
  // What the program printed, or "ERROR: message" after it.
  std::string output(const std::string& src) {
    t_.out.clear();
    bool ok = run(src);
    return t_.out + (ok ? "" : "ERROR: " + error_);
  }
  // The pending error's message and traceback.
  std::string message() {
    Buffer b(*t_);
    Local e(*t_, t_->error_value());
    EXPECT_TRUE(append_value(*t_, b, e.get()) && b.append("\n") && append_traceback(*t_, b));
    return std::string(b.view());
  }
  const std::string& error() const { return error_; }

 private:
  static RuntimeOptions with(RuntimeOptions o, bool sw) {
    o.switch_dispatch = sw;
    return o;
  }
  TestRuntime t_;
  std::string error_;
};

class Interp : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Dispatch, Interp, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Switch" : "Goto"; });

TEST_P(Interp, CallsPassArgumentsAndReturnOneValue) {
  Vm vm(GetParam());
  EXPECT_EQ(vm.output(R"(
    fn f(a, b, c) { return [a, b, c]; }
    print(f(1), f(1, 2, 3, 4), f());
    fn none() {}
    print(none());
    fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
    print(fib(20));
  )"),
            "[1, nil, nil]\t[1, 2, 3]\t[nil, nil, nil]\nnil\n6765\n");
}

TEST_P(Interp, ClosuresGetAFreshBoxEachIteration) {
  Vm vm(GetParam());
  EXPECT_EQ(vm.output(R"(
    let fs = [];
    for (i in range(0, 3)) {
      let n = i * 10;
      push(fs, [fn() { n += 1; return n; }, fn() { return i; }]);
    }
    print(fs[0][0](), fs[0][0](), fs[1][0](), fs[2][1]());
    let shared = 0;
    let inc = fn() { shared += 1; };
    inc(); inc();
    print(shared);
  )"),
            "1\t2\t11\t2\n2\n");
}

TEST_P(Interp, DeepRecursionIsAStackOverflowErrorNotACrash) {
  Vm vm(GetParam());
  EXPECT_FALSE(vm.run("fn f(n) { return f(n + 1) + 1; } f(0);"));
  EXPECT_EQ(vm.error().substr(0, 15), "stack overflow\n");
  EXPECT_NE(vm.error().find("  t.hako:1 in function f\n"), std::string::npos);
  EXPECT_NE(vm.error().find("... (199979 more)"), std::string::npos);
  EXPECT_EQ(vm.rt().nframes, 0u);
  // The runtime goes on, and recursion below the limit works.
  EXPECT_EQ(
      vm.output("fn g(n) { if (n == 0) { return 0; } return 1 + g(n - 1); } print(g(150000));"),
      "150000\n");
  EXPECT_EQ(vm.output("print(pcall(fn() { fn h() { return h(); } return h(); }).error);"),
            "stack overflow\n");
}

TEST_P(Interp, FrameLimitIsAnOption) {
  RuntimeOptions o;
  o.max_frames = 50;
  Vm vm(GetParam(), o);
  EXPECT_EQ(vm.output("fn d(n) { if (n == 0) { return 0; } return d(n - 1); } print(d(40));"),
            "0\n");
  EXPECT_FALSE(vm.run("d(60);"));
  EXPECT_EQ(vm.error().substr(0, 14), "stack overflow");
}

TEST_P(Interp, TheStackGrowsUnderRunningFrames) {
  // Frames of 200 registers, 3000 deep: the stack is reallocated many times while every
  // frame holds values in it (a pointer into the stack must never dangle).
  Vm vm(GetParam());
  std::string regs;
  for (int i = 0; i < 180; ++i)
    regs += "let v" + std::to_string(i) + " = n + " + std::to_string(i) + ";\n";
  std::string sum = "v0";
  for (int i = 1; i < 180; ++i) sum += " + v" + std::to_string(i);
  EXPECT_EQ(vm.output("fn wide(n) {\n" + regs + "if (n == 0) { return " + sum +
                      "; }\nlet below = wide(n - 1);\nreturn below - (" + sum + ") + " + sum +
                      ";\n}\nprint(wide(3000));"),
            std::to_string(180 * 0 + (179 * 180) / 2) + "\n");
}

TEST_P(Interp, BudgetExhaustionStopsTheProgramAndPcallCannotCatchIt) {
  RuntimeOptions o;
  o.budget = 100000;
  Vm vm(GetParam(), o);
  EXPECT_FALSE(vm.run("let n = 0; print(pcall(fn() { while (true) { n += 1; } }));"));
  EXPECT_EQ(vm.error().substr(0, 29), "instruction budget exhausted\n");
  EXPECT_EQ(vm.rt().budget, 0);
  EXPECT_EQ(vm.out(), "");            // pcall did not return
  EXPECT_FALSE(vm.run("print(1);"));  // stays exhausted
  vm.rt().set_budget(-1);
  EXPECT_EQ(vm.output("print(n > 1000);"), "true\n");
}

TEST_P(Interp, BudgetCountsInstructions) {
  RuntimeOptions o;
  o.budget = 1000000;
  Vm vm(GetParam(), o);
  ASSERT_TRUE(vm.run("let x = 0; for (i in range(0, 1000)) { x += i; }"));
  int64_t used = 1000000 - vm.rt().budget;
  EXPECT_GE(used, 4000);  // GETGLOBAL, ADD, SETGLOBAL and FORLOOP, 1000 times
  EXPECT_LT(used, 4020);
}

TEST_P(Interp, OutOfMemoryIsCatchableAndTheRuntimeRecovers) {
  RuntimeOptions o;
  o.memory_limit = 4 << 20;
  Vm vm(GetParam(), o);
  const char* hog =
      "fn hog() { let a = []; while (true) { push(a, [len(a), string.rep(\"x\", 100)]); } }\n";
  EXPECT_EQ(vm.output(std::string(hog) + "print(pcall(hog).error);"), "out of memory\n");
  EXPECT_LE(vm.rt().heap_bytes(), o.memory_limit);
  vm.rt().collect();
  EXPECT_LT(vm.rt().heap_bytes(), 1u << 20);  // the failed computation's garbage went
  EXPECT_EQ(vm.output("print(pcall(hog).error, 1 + 1);"), "out of memory\t2\n");
  EXPECT_FALSE(vm.run("hog();"));
  EXPECT_EQ(vm.error().substr(0, 14), "out of memory\n");
  // Deep recursion under a memory limit: the stack's growth fails first.
  EXPECT_FALSE(vm.run("fn f(n) { let a = n; let b = a; let c = b; return f(c) + 1; } f(0);"));
  std::string e = vm.error().substr(0, vm.error().find('\n'));
  EXPECT_TRUE(e == "out of memory" || e == "stack overflow") << e;
  EXPECT_EQ(vm.output("print(\"still alive\");"), "still alive\n");
}

TEST_P(Interp, ErrorValuesArePassedUnchanged) {
  Vm vm(GetParam());
  EXPECT_EQ(vm.output(R"(
    let v = {code: 3};
    let r = pcall(fn() { error(v); });
    print(r.ok, r.error == v, r.error.code);
    print(pcall(error).error, pcall(error, 2.5).error, pcall(fn() { assert(false, [1]); }).error);
    print(pcall(fn(a, b) { return a * b; }, 6, 7));
  )"),
            "false\ttrue\t3\nnil\t2.5\t[1]\n{\"ok\": true, \"value\": 42}\n");
}

TEST_P(Interp, TracebacksNameFilesLinesAndFunctions) {
  Vm vm(GetParam());
  EXPECT_FALSE(
      vm.run("fn inner() {\n  return nil + 1;\n}\nlet outer = fn() {\n  return inner();\n};\n"
             "let anon = [fn() { return outer(); }];\nanon[0]();\n"));
  EXPECT_EQ(vm.error(),
            "bad operands for +: nil and int (numbers expected)\n"
            "  t.hako:2 in function inner\n"
            "  t.hako:5 in function outer\n"
            "  t.hako:7 in function <anonymous>\n"
            "  t.hako:8 in function main\n");
  // A traceback through a builtin, and pcall clears what it caught.
  EXPECT_FALSE(vm.run("let r = pcall(inner);\nsort([1, 2], fn(a, b) {\n  return a.x;\n});"));
  EXPECT_EQ(vm.error(),
            "cannot read field 'x' of int\n"
            "  t.hako:3 in function <anonymous>\n"
            "  t.hako:2 in function main\n");
}

TEST_P(Interp, ClosuresRunFromCpp) {
  Vm vm(GetParam());
  Value f;
  ASSERT_TRUE(vm.run("let k = 100; return fn(a, b) { k += 1; return a * b + k; };", &f));
  ASSERT_TRUE(f.is_closure());
  Value r;
  ASSERT_TRUE(vm.rt().call_value(f, {Value::integer(6), Value::integer(7)}, &r));
  EXPECT_EQ(r.i, 42 + 101);
  ASSERT_TRUE(vm.rt().call_value(f, {Value::integer(1)}, &r) == false);  // nil * ... raises
  EXPECT_EQ(
      vm.message(),
      "bad operands for *: int and nil (numbers expected)\n  t.hako:1 in function <anonymous>\n");
  vm.rt().clear_error();
  // A host function that calls back into the VM.
  ASSERT_TRUE(
      vm.rt().register_native(vm.rt().globals(), "", "twice", [](Runtime& rt, Args a, Value* ret) {
        Value x;
        if (!rt.call_value(a[0], {a[1]}, &x)) return false;
        return rt.call_value(a[0], {x}, ret);
      }));
  EXPECT_EQ(vm.output("print(twice(fn(v) { return v .. \"!\"; }, \"hi\"));"), "hi!!\n");
  EXPECT_EQ(vm.output("print(pcall(twice, fn(v) { error(\"no\"); }, 1));"),
            "{\"ok\": false, \"error\": \"no\"}\n");
}

TEST_P(Interp, GlobalsAcrossUnits) {
  Vm vm(GetParam());
  ASSERT_TRUE(vm.rt().set_global("host_value", Value::integer(7)));
  EXPECT_EQ(
      vm.output("fn later_user() { return defined_later; }\nprint(later_user(), host_value);\n"
                "let defined_later = 1;"),
      "nil\t7\n");  // declared later in the chunk, not assigned yet: nil
  EXPECT_EQ(vm.output("defined_later = 5;\nprint(later_user());"), "5\n");
  EXPECT_EQ(vm.output("host_value = host_value * 6;"), "");
  EXPECT_EQ(vm.rt().get_global("host_value").i, 42);
  // Adding many globals grows the globals map; loaded code keeps working.
  std::string many;
  for (int i = 0; i < 3000; ++i)
    many += "let g" + std::to_string(i) + " = " + std::to_string(i) + ";\n";
  EXPECT_EQ(vm.output(many + "print(g2999 + later_user());"), "3004\n");
  EXPECT_EQ(vm.output("print(later_user(), g0, print == print);"), "5\t0\ttrue\n");
}

TEST_P(Interp, GcStressKeepsEveryRoot) {
  RuntimeOptions o;
  o.gc_stress = true;
  Vm vm(GetParam(), o);
  EXPECT_EQ(vm.output(R"(
    fn make(n) {
      let fs = [];
      for (i in range(0, n)) {
        let s = "v" .. i;
        push(fs, fn(x) { return s .. x .. str([i, {k: s}]); });
      }
      return fs;
    }
    let out = [];
    for (f in make(20)) { push(out, f("!")); }
    let m = {};
    for (i in range(0, 50)) { m["k" .. i] = [i, "s" .. i]; }
    sort(out, fn(a, b) { return len(a) < len(b) || (len(a) == len(b) && a < b); });
    print(out[0], out[19], m.k49, pcall(fn() { error("x" .. 1); }).error);
  )"),
            "v0![0, {\"k\": \"v0\"}]\tv19![19, {\"k\": \"v19\"}]\t[49, \"s49\"]\tx1\n");
  EXPECT_EQ(vm.rt().verify_heap(), nullptr);
}

// Many runtimes on many threads at once: each is independent (no global mutable state).
TEST(InterpThreads, ManyRuntimesRunConcurrently) {
  constexpr int kThreads = 6;
  const std::string program = R"(
    fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
    let words = string.split("the quick brown fox jumps over the lazy dog the end", " ");
    let counts = {};
    for (w in words) { if (has(counts, w)) { counts[w] += 1; } else { counts[w] = 1; } }
    let ks = keys(counts);
    sort(ks);
    let acc = [];
    for (i in range(0, 2000)) { push(acc, [i, "s" .. i]); }
    print(fib(18), ks, counts.the, len(acc), json.stringify(json.parse("[1, {\"a\": 2}]")));
    print(pcall(fn() { error({id: args}); }).error.id);
  )";
  std::vector<std::string> outputs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RuntimeOptions o;
      o.switch_dispatch = t % 2;
      o.gc_min_heap = 64 << 10;  // collect often
      Vm vm(t % 2 == 1, o);
      Array* a = vm.rt().new_array(0);
      vm.rt().set_global("args", Value::array(a));
      array_push(vm.rt(), a, Value::integer(t));
      for (int round = 0; round < 5; ++round) outputs[t] = vm.output(program);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(outputs[t],
              "2584\t[\"brown\", \"dog\", \"end\", \"fox\", \"jumps\", \"lazy\", \"over\", "
              "\"quick\", \"the\"]\t3\t2000\t[1,{\"a\":2}]\n[" +
                  std::to_string(t) + "]\n");
}

}  // namespace
}  // namespace hako::vm

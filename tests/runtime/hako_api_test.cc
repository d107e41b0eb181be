// The embedding API (runtime/include/hako.h): every function, its error paths, host
// functions (user data, errors caught and uncaught, re-entrancy), the memory limit and the
// budget (bytecode and long builtins), misuse, two VMs on two threads, teardown that gives
// every byte back, and the sandbox without io.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "hakmem.h"
#include "hako.h"
#include "hako.hpp"

namespace {

// A VM for one test, destroyed at the end of it. HAKO_TEST_GC_STRESS=1 collects at every
// allocation (as in the VM's tests): a value the API holds without a root shows at once.
struct VmFixture {
  explicit VmFixture(const hako_config* cfg = nullptr) {
    hako_config c;
    hako_config_init(&c);
    if (cfg) c = *cfg;
    if (std::getenv("HAKO_TEST_GC_STRESS")) c.gc_stress = 1;
    st = hako_create(&c, &vm);
  }
  ~VmFixture() { hako_destroy(vm); }
  hako_vm* vm = nullptr;
  hako_status st;
};

hako_status run(hako_vm* vm, const char* src, hako_handle* result = nullptr) {
  return hako_run_string(vm, "t.hako", src, std::strlen(src), result);
}

int64_t run_int(hako_vm* vm, const char* src) {
  hako_handle h = HAKO_NO_HANDLE;
  hako_status st = run(vm, src, &h);
  EXPECT_EQ(st, HAKO_OK) << hako_error_message(vm);
  int64_t i = -999;
  EXPECT_EQ(hako_get_int(vm, h, &i), HAKO_OK) << hako_error_message(vm);
  hako_release(vm, h);
  return i;
}

std::string str_of(hako_vm* vm, hako_handle h) {
  const char* p = nullptr;
  size_t n = 0;
  if (hako_get_string(vm, h, &p, &n) != HAKO_OK) return "<not a string>";
  return std::string(p, n);
}

void append_output(void* ud, const char* data, size_t n) {
  static_cast<std::string*>(ud)->append(data, n);
}

// ---- Creating, configuring, destroying -------------------------------------------------

TEST(HakoApi, CreateWithDefaultsAndRun) {
  VmFixture f;
  ASSERT_EQ(f.st, HAKO_OK);
  ASSERT_NE(f.vm, nullptr);
  EXPECT_EQ(run_int(f.vm, "return 6 * 7;"), 42);
}

TEST(HakoApi, ConfigVersionAndArguments) {
  hako_vm* vm = reinterpret_cast<hako_vm*>(1);
  EXPECT_EQ(hako_create(nullptr, nullptr), HAKO_ERR_NULL);
  hako_config cfg;
  hako_config_init(&cfg);
  EXPECT_EQ(cfg.size, sizeof cfg);
  EXPECT_EQ(cfg.version, unsigned{HAKO_API_VERSION});
  EXPECT_EQ(cfg.modules, unsigned{HAKO_MODULES_ALL});
  EXPECT_EQ(cfg.budget, -1);
  hako_config bad = cfg;
  bad.size = 8;
  EXPECT_EQ(hako_create(&bad, &vm), HAKO_ERR_VERSION);
  EXPECT_EQ(vm, nullptr);
  bad = cfg;
  bad.version = 99;
  EXPECT_EQ(hako_create(&bad, &vm), HAKO_ERR_VERSION);
  bad = cfg;
  bad.backend = 7;
  EXPECT_EQ(hako_create(&bad, &vm), HAKO_ERR_ARG);
  bad = cfg;
  bad.modules = 1u << 20;
  EXPECT_EQ(hako_create(&bad, &vm), HAKO_ERR_ARG);
  bad = cfg;
  bad.memory_limit = 1000;  // too little for the builtins
  EXPECT_EQ(hako_create(&bad, &vm), HAKO_ERR_MEMORY);
  EXPECT_EQ(vm, nullptr);
  EXPECT_EQ(hako_destroy(nullptr), HAKO_OK);
}

TEST(HakoApi, OutputCallbackAndUserData) {
  std::string out;
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.output = append_output;
  cfg.output_ud = &out;
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  ASSERT_EQ(run(f.vm, "print(\"hi\", 1, 2.5, [1, \"a\"]);"), HAKO_OK);
  EXPECT_EQ(out, "hi\t1\t2.5\t[1, \"a\"]\n");
  int x = 0;
  hako_set_user_data(f.vm, &x);
  EXPECT_EQ(hako_user_data(f.vm), &x);
}

TEST(HakoApi, SystemBackendRunsAndCountsItsHeap) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.backend = HAKO_BACKEND_SYSTEM;
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  EXPECT_EQ(
      run_int(f.vm, "let a = []; for (i in range(10000)) { push(a, str(i)); } return len(a);"),
      10000);
  hako_stats s;
  ASSERT_EQ(hako_get_stats(f.vm, &s), HAKO_OK);
  EXPECT_GT(s.heap_bytes, 0u);
  EXPECT_GT(s.objects, 0u);
}

// ---- Running code and reading values -------------------------------------------------

TEST(HakoApi, ResultsOfEveryType) {
  VmFixture f;
  hako_handle h;
  ASSERT_EQ(run(f.vm, "return nil;", &h), HAKO_OK);
  EXPECT_EQ(hako_typeof(f.vm, h), HAKO_TYPE_NIL);
  hako_release(f.vm, h);
  ASSERT_EQ(run(f.vm, "return 1 < 2;", &h), HAKO_OK);
  int b = 0;
  EXPECT_EQ(hako_get_bool(f.vm, h, &b), HAKO_OK);
  EXPECT_EQ(b, 1);
  hako_release(f.vm, h);
  ASSERT_EQ(run(f.vm, "return 2.5 * 2;", &h), HAKO_OK);
  EXPECT_EQ(hako_typeof(f.vm, h), HAKO_TYPE_FLOAT);
  double d = 0;
  EXPECT_EQ(hako_get_float(f.vm, h, &d), HAKO_OK);
  EXPECT_EQ(d, 5.0);
  int64_t i = 0;
  EXPECT_EQ(hako_get_int(f.vm, h, &i), HAKO_OK);  // a float with an int value
  EXPECT_EQ(i, 5);
  hako_release(f.vm, h);
  ASSERT_EQ(run(f.vm, "return -9223372036854775807 - 1;", &h), HAKO_OK);
  EXPECT_EQ(hako_get_int(f.vm, h, &i), HAKO_OK);
  EXPECT_EQ(i, INT64_MIN);
  hako_release(f.vm, h);
  ASSERT_EQ(run(f.vm, "return \"a\" .. string.char(0) .. \"b\";", &h), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, h), std::string("a\0b", 3));
  hako_release(f.vm, h);
  ASSERT_EQ(run(f.vm, "fn g() { return 1; } return g;", &h), HAKO_OK);
  EXPECT_EQ(hako_typeof(f.vm, h), HAKO_TYPE_FUNCTION);
  hako_release(f.vm, h);
  ASSERT_EQ(run(f.vm, "let x = 1;"), HAKO_OK);  // result may be NULL
}

TEST(HakoApi, ReadsArraysAndMapsInOrder) {
  VmFixture f;
  hako_handle r;
  ASSERT_EQ(run(f.vm, "let m = {\"z\": 1, \"a\": [10, 20.5, \"s\"]}; m[3] = true; return m;", &r),
            HAKO_OK);
  ASSERT_EQ(hako_typeof(f.vm, r), HAKO_TYPE_MAP);
  size_t n = 0;
  ASSERT_EQ(hako_map_length(f.vm, r, &n), HAKO_OK);
  EXPECT_EQ(n, 3u);
  std::string keys;
  size_t pos = 0;
  hako_handle k, v;
  while (hako_map_next(f.vm, r, &pos, &k, &v) == HAKO_OK) {
    if (hako_typeof(f.vm, k) == HAKO_TYPE_STRING)
      keys += str_of(f.vm, k);
    else
      keys += "#";
    hako_release(f.vm, k);
    hako_release(f.vm, v);
  }
  EXPECT_EQ(keys, "za#");
  EXPECT_EQ(hako_map_next(f.vm, r, &pos, &k, &v), HAKO_END);
  hako_handle a;
  ASSERT_EQ(hako_map_get_str(f.vm, r, "a", &a), HAKO_OK);
  ASSERT_EQ(hako_array_length(f.vm, a, &n), HAKO_OK);
  EXPECT_EQ(n, 3u);
  hako_handle e;
  ASSERT_EQ(hako_array_get(f.vm, a, 1, &e), HAKO_OK);
  double d;
  EXPECT_EQ(hako_get_float(f.vm, e, &d), HAKO_OK);
  EXPECT_EQ(d, 20.5);
  hako_release(f.vm, e);
  EXPECT_EQ(hako_array_get(f.vm, a, 3, &e), HAKO_ERR_RANGE);
  EXPECT_STREQ(hako_error_message(f.vm),
               "hako_array_get: index 3 out of range for array of length 3");
  hako_handle three, t;
  ASSERT_EQ(hako_new_float(f.vm, 3.0, &three), HAKO_OK);  // 3.0 is the key 3
  ASSERT_EQ(hako_map_get(f.vm, r, three, &t), HAKO_OK);
  EXPECT_EQ(hako_typeof(f.vm, t), HAKO_TYPE_BOOL);
  EXPECT_EQ(hako_map_get_str(f.vm, r, "missing", &t), HAKO_ERR_NOT_FOUND);
  hako_stats s;
  hako_get_stats(f.vm, &s);
  EXPECT_EQ(s.handles, 4u);  // r, a, three, t
}

TEST(HakoApi, BuildsValuesAndCallsScriptFunctions) {
  VmFixture f;
  ASSERT_EQ(run(f.vm,
                "fn total(xs, m) { let s = 0; for (x in xs) { s = s + x; } return s * m[\"k\"]; }\n"
                "fn echo(s) { return s .. \"!\"; }"),
            HAKO_OK)
      << hako_error_message(f.vm);
  hako_handle arr, m, x, k;
  ASSERT_EQ(hako_new_array(f.vm, &arr), HAKO_OK);
  for (int i = 1; i <= 4; ++i) {
    ASSERT_EQ(hako_new_int(f.vm, i, &x), HAKO_OK);
    ASSERT_EQ(hako_array_push(f.vm, arr, x), HAKO_OK);
    hako_release(f.vm, x);
  }
  ASSERT_EQ(hako_new_int(f.vm, 100, &x), HAKO_OK);
  ASSERT_EQ(hako_array_set(f.vm, arr, 0, x), HAKO_OK);  // [100, 2, 3, 4]
  ASSERT_EQ(hako_array_set(f.vm, arr, 4, x), HAKO_OK);  // appends: [100, 2, 3, 4, 100]
  EXPECT_EQ(hako_array_set(f.vm, arr, 9, x), HAKO_ERR_RANGE);
  hako_release(f.vm, x);
  ASSERT_EQ(hako_new_map(f.vm, &m), HAKO_OK);
  ASSERT_EQ(hako_new_string(f.vm, "k", 1, &k), HAKO_OK);
  ASSERT_EQ(hako_new_int(f.vm, 2, &x), HAKO_OK);
  ASSERT_EQ(hako_map_set(f.vm, m, k, x), HAKO_OK);
  hako_handle args[2] = {arr, m}, r;
  ASSERT_EQ(hako_call_global(f.vm, "total", 2, args, &r), HAKO_OK) << hako_error_message(f.vm);
  int64_t i;
  ASSERT_EQ(hako_get_int(f.vm, r, &i), HAKO_OK);
  EXPECT_EQ(i, 418);
  hako_release(f.vm, r);
  // Embedded NUL bytes both ways.
  hako_handle s;
  ASSERT_EQ(hako_new_string(f.vm, "a\0b", 3, &s), HAKO_OK);
  ASSERT_EQ(hako_call_global(f.vm, "echo", 1, &s, &r), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, r), std::string("a\0b!", 4));
  // hako_call on a function value, and globals.
  hako_handle fn;
  ASSERT_EQ(hako_get_global(f.vm, "echo", &fn), HAKO_OK);
  hako_handle r2;
  ASSERT_EQ(hako_call(f.vm, fn, 1, &r, &r2), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, r2), std::string("a\0b!!", 5));
  ASSERT_EQ(hako_set_global(f.vm, "shared", r2), HAKO_OK);
  EXPECT_EQ(run_int(f.vm, "return len(shared);"), 5);
  // Builtins and host functions are functions like the others.
  hako_handle n5;
  ASSERT_EQ(hako_call_global(f.vm, "len", 1, &arr, &n5), HAKO_OK);
  ASSERT_EQ(hako_get_int(f.vm, n5, &i), HAKO_OK);
  EXPECT_EQ(i, 5);
  hako_handle none;
  EXPECT_EQ(hako_get_global(f.vm, "nope", &none), HAKO_ERR_NOT_FOUND);
  EXPECT_EQ(hako_call_global(f.vm, "nope", 0, nullptr, &none), HAKO_ERR_NOT_FOUND);
  hako_handle dup;
  ASSERT_EQ(hako_dup(f.vm, r2, &dup), HAKO_OK);
  hako_release(f.vm, r2);
  EXPECT_EQ(str_of(f.vm, dup), std::string("a\0b!!", 5));
}

TEST(HakoApi, RunFileAndItsErrors) {
  VmFixture f;
  std::string path = testing::TempDir() + "hako_api_test_run.hako";
  FILE* fp = std::fopen(path.c_str(), "w");
  ASSERT_NE(fp, nullptr);
  std::fputs("fn f() {\n  error(\"from file\");\n}\nf();\n", fp);
  std::fclose(fp);
  EXPECT_EQ(hako_run_file(f.vm, path.c_str(), nullptr), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "from file");
  EXPECT_NE(std::strstr(hako_error_traceback(f.vm), (path + ":2 in function f").c_str()), nullptr)
      << hako_error_traceback(f.vm);
  EXPECT_EQ(hako_run_file(f.vm, "/nonexistent/x.hako", nullptr), HAKO_ERR_IO);
  EXPECT_NE(std::strstr(hako_error_message(f.vm), "No such file"), nullptr);
  std::remove(path.c_str());
}

// ---- Errors ---------------------------------------------------------------------------

TEST(HakoApi, CompileErrorsAreFileLineCol) {
  VmFixture f;
  const char* src = "let x = 1;\nlet y = ;\n";
  EXPECT_EQ(hako_run_string(f.vm, "bad.hako", src, std::strlen(src), nullptr), HAKO_ERR_COMPILE);
  EXPECT_EQ(hako_error_status(f.vm), HAKO_ERR_COMPILE);
  EXPECT_EQ(std::string(hako_error_message(f.vm)).rfind("bad.hako:2:9: ", 0), 0u)
      << hako_error_message(f.vm);
  EXPECT_STREQ(hako_error_traceback(f.vm), "");
  EXPECT_EQ(run(f.vm, "return undefined_name;"), HAKO_ERR_COMPILE);
  EXPECT_NE(std::strstr(hako_error_message(f.vm), "undeclared variable 'undefined_name'"), nullptr);
  EXPECT_EQ(run_int(f.vm, "return 1;"), 1);  // still usable
}

TEST(HakoApi, RuntimeErrorMessageTracebackAndValue) {
  VmFixture f;
  EXPECT_EQ(run(f.vm, "fn inner() { return 1 + nil; }\nfn outer() { return inner(); }\nouter();"),
            HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "bad operands for +: nil and int (numbers expected)");
  EXPECT_STREQ(hako_error_traceback(f.vm),
               "  t.hako:1 in function inner\n  t.hako:2 in function outer\n"
               "  t.hako:3 in function main\n");
  EXPECT_EQ(run(f.vm, "error({\"code\": 7});"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "{\"code\": 7}");
  hako_handle e, c;
  ASSERT_EQ(hako_error_value(f.vm, &e), HAKO_OK);
  ASSERT_EQ(hako_map_get_str(f.vm, e, "code", &c), HAKO_OK);
  int64_t i;
  ASSERT_EQ(hako_get_int(f.vm, c, &i), HAKO_OK);
  EXPECT_EQ(i, 7);
  hako_clear_error(f.vm);
  EXPECT_EQ(hako_error_status(f.vm), HAKO_OK);
  EXPECT_STREQ(hako_error_message(f.vm), "");
}

TEST(HakoApi, StackOverflowIsAnErrorKind) {
  VmFixture f;
  EXPECT_EQ(run(f.vm, "fn f(n) { return f(n + 1) + 1; } f(0);"), HAKO_ERR_STACK_OVERFLOW);
  EXPECT_STREQ(hako_error_message(f.vm), "stack overflow");
  EXPECT_EQ(run_int(f.vm,
                    "fn g(n) { return g(n + 1) + 1; }\n"
                    "let r = pcall(g, 0); if (r[\"ok\"] == false && r[\"error\"] == \"stack "
                    "overflow\") { return 1; } return 0;"),
            1);
}

TEST(HakoApi, StatusNames) {
  EXPECT_STREQ(hako_status_name(HAKO_ERR_MEMORY), "HAKO_ERR_MEMORY");
  EXPECT_STREQ(hako_status_name(HAKO_OK), "HAKO_OK");
  EXPECT_STREQ(hako_status_name(1234), "unknown");
}

// ---- Host functions ----------------------------------------------------------------------

struct Counter {
  int calls = 0;
  int64_t sum = 0;
};

hako_status host_add(hako_vm* vm, void* ud, int argc, const hako_handle* argv,
                     hako_handle* result) {
  auto* c = static_cast<Counter*>(ud);
  ++c->calls;
  int64_t s = 0;
  for (int i = 0; i < argc; ++i) {
    int64_t x;
    if (hako_get_int(vm, argv[i], &x) != HAKO_OK)
      return hako_raisef(vm, "add: argument %d is not an int", i + 1);
    s += x;
  }
  c->sum += s;
  return hako_new_int(vm, s, result);
}

TEST(HakoApi, HostFunctionWithUserData) {
  VmFixture f;
  Counter c;
  ASSERT_EQ(hako_register(f.vm, "add", host_add, &c), HAKO_OK);
  EXPECT_EQ(run_int(f.vm, "return add(1, 2) + add(10, 20, 30);"), 63);
  EXPECT_EQ(c.calls, 2);
  EXPECT_EQ(c.sum, 63);
  // Called from the host, through the VM.
  hako_handle args[2], r0;
  hako_new_int(f.vm, 40, &args[0]);
  hako_new_int(f.vm, 2, &args[1]);
  ASSERT_EQ(hako_call_global(f.vm, "add", 2, args, &r0), HAKO_OK);
  int64_t got = 0;
  hako_get_int(f.vm, r0, &got);
  EXPECT_EQ(got, 42);
  EXPECT_EQ(c.calls, 3);
  hako_release(f.vm, args[0]);
  hako_release(f.vm, args[1]);
  hako_release(f.vm, r0);
  // The argument handles are released after the call, the result taken over.
  hako_stats s;
  hako_get_stats(f.vm, &s);
  EXPECT_EQ(s.handles, 0u);
  // Many arguments (more than the inline array holds).
  EXPECT_EQ(run_int(f.vm, "return add(1,2,3,4,5,6,7,8,9,10,11,12);"), 78);
  // A host function as a value in a map (a module).
  hako_handle mod, fn;
  ASSERT_EQ(hako_new_map(f.vm, &mod), HAKO_OK);
  ASSERT_EQ(hako_new_function(f.vm, "host.add", host_add, &c, &fn), HAKO_OK);
  ASSERT_EQ(hako_map_set_str(f.vm, mod, "add", fn), HAKO_OK);
  ASSERT_EQ(hako_set_global(f.vm, "host", mod), HAKO_OK);
  EXPECT_EQ(run_int(f.vm, "return host.add(5, 6);"), 11);
  hako_handle r;
  ASSERT_EQ(run(f.vm, "return str(host.add);", &r), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, r), "<function host.add>");
}

TEST(HakoApi, HostErrorCaughtAndUncaught) {
  VmFixture f;
  Counter c;
  ASSERT_EQ(hako_register(f.vm, "add", host_add, &c), HAKO_OK);
  EXPECT_EQ(run(f.vm, "fn go() { return add(1, \"x\"); }\ngo();"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "add: argument 2 is not an int");
  EXPECT_STREQ(hako_error_traceback(f.vm),
               "  t.hako:1 in function go\n  t.hako:2 in function main\n");
  hako_handle r;
  ASSERT_EQ(run(f.vm, "let r = pcall(add, 1, []); return r[\"error\"];", &r), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, r), "add: argument 2 is not an int");
  hako_stats s;
  hako_get_stats(f.vm, &s);
  EXPECT_EQ(s.handles, 1u);
}

hako_status host_fail_plain(hako_vm*, void*, int, const hako_handle*, hako_handle*) {
  return HAKO_ERR_TYPE;  // no hako_raise: a generic message
}

hako_status host_raise_value(hako_vm* vm, void*, int argc, const hako_handle* argv, hako_handle*) {
  if (argc < 1) return hako_raise(vm, "want a value");
  return hako_raise_value(vm, argv[0]);
}

hako_status host_bad_result(hako_vm* vm, void*, int, const hako_handle*, hako_handle* result) {
  hako_handle h;
  hako_new_int(vm, 1, &h);
  hako_release(vm, h);
  *result = h;  // released: the VM must refuse it
  return HAKO_OK;
}

hako_status host_identity(hako_vm* vm, void*, int argc, const hako_handle* argv,
                          hako_handle* result) {
  if (argc != 1) return hako_raise(vm, "identity(x)");
  *result = argv[0];  // an argument handle as the result: taken over, not released twice
  return HAKO_OK;
}

TEST(HakoApi, HostFunctionMayReturnItsArgument) {
  VmFixture f;
  hako_register(f.vm, "identity", host_identity, nullptr);
  hako_handle r;
  ASSERT_EQ(run(f.vm, "let a = [1, 2]; return identity(a) == a && identity(\"s\") == \"s\";", &r),
            HAKO_OK)
      << hako_error_message(f.vm);
  int b = 0;
  ASSERT_EQ(hako_get_bool(f.vm, r, &b), HAKO_OK);
  EXPECT_EQ(b, 1);
  hako_stats s;
  hako_get_stats(f.vm, &s);
  EXPECT_EQ(s.handles, 1u);
}

TEST(HakoApi, HostFailureForms) {
  VmFixture f;
  hako_register(f.vm, "plain", host_fail_plain, nullptr);
  hako_register(f.vm, "raisev", host_raise_value, nullptr);
  hako_register(f.vm, "badres", host_bad_result, nullptr);
  EXPECT_EQ(run(f.vm, "plain();"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "host function 'plain' failed (HAKO_ERR_TYPE)");
  EXPECT_EQ(run_int(f.vm, "let r = pcall(raisev, {\"n\": 5}); return r[\"error\"][\"n\"];"), 5);
  EXPECT_EQ(run(f.vm, "badres();"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm),
               "host function 'badres' returned a handle that is not live");
  // hako_raise outside a host function is a misuse.
  EXPECT_EQ(hako_raise(f.vm, "x"), HAKO_ERR_STATE);
}

// Re-entrancy: a host function that runs code and calls script functions in the same VM.
struct Reenter {
  int depth_seen = 0;
};

hako_status host_twice(hako_vm* vm, void*, int argc, const hako_handle* argv, hako_handle* result) {
  if (argc != 2) return hako_raise(vm, "twice(f, x)");
  hako_handle r1;
  if (hako_status st = hako_call(vm, argv[0], 1, &argv[1], &r1)) return st;
  hako_status st = hako_call(vm, argv[0], 1, &r1, result);
  hako_release(vm, r1);
  return st;
}

hako_status host_eval(hako_vm* vm, void*, int argc, const hako_handle* argv, hako_handle* result) {
  const char* src;
  size_t n;
  if (argc != 1 || hako_get_string(vm, argv[0], &src, &n) != HAKO_OK)
    return hako_raise(vm, "eval(source)");
  return hako_run_string(vm, "eval", src, n, result);
}

TEST(HakoApi, ReentrantHostFunctions) {
  VmFixture f;
  hako_register(f.vm, "twice", host_twice, nullptr);
  hako_register(f.vm, "eval", host_eval, nullptr);
  EXPECT_EQ(run_int(f.vm, "fn inc(x) { return x + 1; } return twice(inc, 5);"), 7);
  // Nested: script -> host -> script -> host -> script.
  EXPECT_EQ(run_int(f.vm,
                    "fn t(x) { return twice(fn(y) { return y * 2; }, x); }\n"
                    "return twice(t, 1);"),
            16);
  // A host function that compiles and runs a chunk, which defines a global.
  EXPECT_EQ(run_int(f.vm, "let r = eval(\"let zz = 5; return zz * 3;\"); return r;"), 15);
  EXPECT_EQ(run_int(f.vm, "return eval(\"return zz;\");"), 5);
  // A compile error inside eval propagates as a catchable runtime error.
  hako_handle r;
  ASSERT_EQ(run(f.vm, "let r = pcall(eval, \"let = ;\"); return r[\"ok\"];", &r), HAKO_OK);
  int b = 1;
  EXPECT_EQ(hako_get_bool(f.vm, r, &b), HAKO_OK);
  EXPECT_EQ(b, 0);
  // A script error in the callback goes on through the host function, with its value;
  // nested pcalls inside and outside.
  EXPECT_EQ(run_int(f.vm,
                    "fn boom(x) { error({\"v\": x}); }\n"
                    "fn inner(x) { let r = pcall(boom, x); return r[\"error\"][\"v\"] + 1; }\n"
                    "let a = twice(inner, 1);\n"         // inner catches: 1+1, then 2+1
                    "let r = pcall(twice, boom, 40);\n"  // boom escapes twice, pcall catches
                    "return a * 100 + r[\"error\"][\"v\"];"),
            340);
  // Uncaught through the host function: a runtime error with the script's value.
  EXPECT_EQ(run(f.vm, "fn bad(x) { error(\"deep\"); } twice(bad, 1);"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "deep");
  EXPECT_STREQ(hako_error_traceback(f.vm), "  t.hako:1 in function main\n");  // from `twice` on
}

// Errors are return values all the way: a host function's C++ destructors run when the
// script it calls fails, and when it raises.
struct Guard {
  int* count;
  ~Guard() { ++*count; }
};

hako_status host_guarded(hako_vm* vm, void* ud, int argc, const hako_handle* argv,
                         hako_handle* result) {
  Guard g{static_cast<int*>(ud)};
  std::string owned(1000, 'o');  // heap memory that a longjmp would leak
  if (argc == 0) return hako_raise(vm, "raised with a guard alive");
  return hako_call(vm, argv[0], 0, nullptr, result);
}

TEST(HakoApi, ErrorsNeverSkipHostDestructors) {
  VmFixture f;
  int destroyed = 0;
  hako_register(f.vm, "guarded", host_guarded, &destroyed);
  EXPECT_EQ(run(f.vm, "fn bad() { error(\"inner\"); } guarded(bad);"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(hako_error_message(f.vm), "inner");
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(run(f.vm, "guarded();"), HAKO_ERR_RUNTIME);
  EXPECT_EQ(destroyed, 2);
  // Nested: guarded -> script -> guarded -> script error, caught by the outer script.
  EXPECT_EQ(
      run_int(f.vm,
              "fn bad() { error(\"x\"); }\n"
              "fn mid() { return guarded(bad); }\n"
              "let r = pcall(guarded, mid); if (r[\"error\"] == \"x\") { return 1; } return 0;"),
      1);
  EXPECT_EQ(destroyed, 4);
  // The budget too.
  ASSERT_EQ(hako_set_budget(f.vm, 10000), HAKO_OK);
  EXPECT_EQ(run(f.vm, "fn spin() { while (true) {} } guarded(spin);"), HAKO_ERR_BUDGET);
  EXPECT_EQ(destroyed, 5);
}

hako_status host_destroy(hako_vm* vm, void*, int, const hako_handle*, hako_handle* result) {
  hako_status st = hako_destroy(vm);  // refused: the VM is running this function
  return hako_new_int(vm, st, result);
}

TEST(HakoApi, DestroyInsideHostFunctionIsRefused) {
  VmFixture f;
  hako_register(f.vm, "destroy", host_destroy, nullptr);
  EXPECT_EQ(run_int(f.vm, "return destroy();"), HAKO_ERR_STATE);
  EXPECT_EQ(run_int(f.vm, "return 2;"), 2);
}

// ---- Memory limit ----------------------------------------------------------------------

TEST(HakoApi, MemoryLimitIsCatchableAndTheVmGoesOn) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.memory_limit = 4 << 20;
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  const char* hog =
      "fn hog() { let a = []; while (true) { push(a, string.rep(\"x\", 1000) .. str(len(a))); } "
      "}\n";
  std::string src = std::string(hog) +
                    "let r = pcall(hog); if (r[\"ok\"] == false && r[\"error\"] == \"out of "
                    "memory\") { return 1; } return 0;";
  EXPECT_EQ(run_int(f.vm, src.c_str()), 1);
  // Uncaught: a status, the message, and the VM still works.
  src = std::string(hog) + "hog();";
  EXPECT_EQ(run(f.vm, src.c_str()), HAKO_ERR_MEMORY);
  EXPECT_STREQ(hako_error_message(f.vm), "out of memory");
  EXPECT_EQ(run_int(f.vm, "let s = 0; for (i in range(1000)) { s = s + i; } return s;"), 499500);
  hako_stats s;
  ASSERT_EQ(hako_get_stats(f.vm, &s), HAKO_OK);
  EXPECT_LE(s.heap_bytes, size_t{4} << 20);
  // Values the host makes are within the limit too.
  std::string big(8 << 20, 'y');
  hako_handle h;
  EXPECT_EQ(hako_new_string(f.vm, big.data(), big.size(), &h), HAKO_ERR_MEMORY);
  EXPECT_STREQ(hako_error_message(f.vm), "out of memory");
  // Raising the limit lets it through.
  ASSERT_EQ(hako_set_memory_limit(f.vm, 64 << 20), HAKO_OK);
  ASSERT_EQ(hako_new_string(f.vm, big.data(), big.size(), &h), HAKO_OK);
  size_t n = 0;
  const char* p;
  ASSERT_EQ(hako_get_string(f.vm, h, &p, &n), HAKO_OK);
  EXPECT_EQ(n, big.size());
}

hako_status host_alloc_big(hako_vm* vm, void*, int, const hako_handle*, hako_handle* result) {
  std::string big(1 << 20, 'z');
  return hako_new_string(vm, big.data(), big.size(), result);  // HAKO_ERR_MEMORY goes on
}

TEST(HakoApi, OutOfMemoryInAHostFunctionIsCatchable) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.memory_limit = 512 << 10;
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  hako_register(f.vm, "big", host_alloc_big, nullptr);
  hako_handle r;
  ASSERT_EQ(run(f.vm, "let r = pcall(big); return r[\"error\"];", &r), HAKO_OK)
      << hako_error_message(f.vm);
  EXPECT_EQ(str_of(f.vm, r), "out of memory");
}

// ---- Budget ----------------------------------------------------------------------------

TEST(HakoApi, BudgetStopsLoopsAndPcallCannotCatchIt) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.budget = 100000;
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  EXPECT_EQ(run(f.vm, "fn spin() { while (true) {} }\nlet r = pcall(spin); print(\"never\");"),
            HAKO_ERR_BUDGET);
  EXPECT_STREQ(hako_error_message(f.vm), "instruction budget exhausted");
  EXPECT_EQ(hako_budget_left(f.vm), 0);
  // Exhausted stays exhausted until the host sets a new budget.
  EXPECT_EQ(run(f.vm, "return 1;"), HAKO_ERR_BUDGET);
  ASSERT_EQ(hako_set_budget(f.vm, 1000), HAKO_OK);
  EXPECT_EQ(run_int(f.vm, "return 2;"), 2);
  EXPECT_GT(hako_budget_left(f.vm), 900);
  EXPECT_LT(hako_budget_left(f.vm), 1000);
  ASSERT_EQ(hako_set_budget(f.vm, -1), HAKO_OK);
  EXPECT_EQ(hako_budget_left(f.vm), INT64_MAX);
}

TEST(HakoApi, BudgetStopsLongBuiltins) {
  VmFixture f;
  // Inputs built with no budget.
  ASSERT_EQ(run(f.vm, "let big = range(300000); let text = json.stringify(range(200000));"),
            HAKO_OK);
  struct Case {
    const char* src;
  } cases[] = {
      {"sort(big);"},
      {"let s = string.rep(\"abc\", 1000000000);"},  // stopped before it allocates 3 GB
      {"let v = json.parse(text);"},
      {"let s = json.stringify(big);"},
      {"let k = string.split(text, \",\");"},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(hako_set_budget(f.vm, 2000), HAKO_OK);
    EXPECT_EQ(run(f.vm, c.src), HAKO_ERR_BUDGET) << c.src << ": " << hako_error_message(f.vm);
    EXPECT_EQ(hako_budget_left(f.vm), 0) << c.src;
  }
  ASSERT_EQ(hako_set_budget(f.vm, -1), HAKO_OK);
  EXPECT_EQ(run_int(f.vm, "return len(big);"), 300000);
}

hako_status host_spin(hako_vm* vm, void*, int, const hako_handle*, hako_handle* result) {
  // Calls back into a script loop that exhausts the budget; the status goes back to the VM.
  return hako_run_string(vm, "spin", "while (true) {}", 15, result);
}

TEST(HakoApi, BudgetExhaustedInsideAHostCallbackStopsTheScript) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.budget = 50000;
  VmFixture f(&cfg);
  hako_register(f.vm, "spin", host_spin, nullptr);
  EXPECT_EQ(run(f.vm, "let r = pcall(spin); print(\"not reached\");"), HAKO_ERR_BUDGET);
}

// ---- Misuse ---------------------------------------------------------------------------

TEST(HakoApi, NullVmEverywhere) {
  hako_handle h = 1;
  int b;
  int64_t i;
  double d;
  const char* p;
  size_t n;
  hako_stats s;
  EXPECT_EQ(hako_run_string(nullptr, "x", "1", 1, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_run_file(nullptr, "x", &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_call(nullptr, h, 0, nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_call_global(nullptr, "f", 0, nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_register(nullptr, "f", host_add, nullptr), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_function(nullptr, "f", host_add, nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_nil(nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_bool(nullptr, 1, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_int(nullptr, 1, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_float(nullptr, 1, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_string(nullptr, "a", 1, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_array(nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_new_map(nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_bool(nullptr, h, &b), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_int(nullptr, h, &i), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_float(nullptr, h, &d), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_string(nullptr, h, &p, &n), HAKO_ERR_NULL);
  EXPECT_EQ(hako_array_length(nullptr, h, &n), HAKO_ERR_NULL);
  EXPECT_EQ(hako_array_get(nullptr, h, 0, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_array_set(nullptr, h, 0, h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_array_push(nullptr, h, h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_map_length(nullptr, h, &n), HAKO_ERR_NULL);
  EXPECT_EQ(hako_map_get(nullptr, h, h, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_map_set(nullptr, h, h, h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_map_get_str(nullptr, h, "k", &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_map_set_str(nullptr, h, "k", h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_map_next(nullptr, h, &n, &h, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_global(nullptr, "g", &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_set_global(nullptr, "g", h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_release(nullptr, h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_dup(nullptr, h, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_raise(nullptr, "x"), HAKO_ERR_NULL);
  EXPECT_EQ(hako_raisef(nullptr, "x"), HAKO_ERR_NULL);
  EXPECT_EQ(hako_raise_value(nullptr, h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_error_value(nullptr, &h), HAKO_ERR_NULL);
  EXPECT_EQ(hako_set_memory_limit(nullptr, 1), HAKO_ERR_NULL);
  EXPECT_EQ(hako_set_budget(nullptr, 1), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_stats(nullptr, &s), HAKO_ERR_NULL);
  EXPECT_EQ(hako_collect(nullptr), HAKO_ERR_NULL);
  EXPECT_EQ(hako_typeof(nullptr, h), HAKO_TYPE_INVALID);
  EXPECT_EQ(hako_error_status(nullptr), HAKO_ERR_NULL);
  EXPECT_STREQ(hako_error_message(nullptr), "NULL VM");
  EXPECT_STREQ(hako_error_traceback(nullptr), "");
  EXPECT_EQ(hako_budget_left(nullptr), 0);
  EXPECT_EQ(hako_user_data(nullptr), nullptr);
  hako_set_user_data(nullptr, nullptr);
  hako_clear_error(nullptr);
}

TEST(HakoApi, WrongTypesHandlesAndArguments) {
  VmFixture f;
  hako_handle s, i, m;
  ASSERT_EQ(hako_new_string(f.vm, "abc", 3, &s), HAKO_OK);
  ASSERT_EQ(hako_new_int(f.vm, 3, &i), HAKO_OK);
  ASSERT_EQ(hako_new_map(f.vm, &m), HAKO_OK);
  int64_t x;
  EXPECT_EQ(hako_get_int(f.vm, s, &x), HAKO_ERR_TYPE);
  EXPECT_STREQ(hako_error_message(f.vm), "hako_get_int: int expected, got string");
  double d;
  EXPECT_EQ(hako_get_float(f.vm, s, &d), HAKO_ERR_TYPE);
  int b;
  EXPECT_EQ(hako_get_bool(f.vm, i, &b), HAKO_ERR_TYPE);
  const char* p;
  EXPECT_EQ(hako_get_string(f.vm, i, &p, nullptr), HAKO_ERR_TYPE);
  size_t n;
  EXPECT_EQ(hako_array_length(f.vm, m, &n), HAKO_ERR_TYPE);
  EXPECT_EQ(hako_map_length(f.vm, s, &n), HAKO_ERR_TYPE);
  EXPECT_EQ(hako_array_push(f.vm, s, i), HAKO_ERR_TYPE);
  hako_handle r;
  EXPECT_EQ(hako_call(f.vm, i, 0, nullptr, &r), HAKO_ERR_TYPE);
  EXPECT_STREQ(hako_error_message(f.vm), "hako_call: cannot call int");
  EXPECT_EQ(hako_call_global(f.vm, "math", 0, nullptr, &r), HAKO_ERR_TYPE);
  EXPECT_EQ(hako_call_global(f.vm, "len", -1, nullptr, &r), HAKO_ERR_ARG);
  EXPECT_EQ(hako_call_global(f.vm, "len", 1, nullptr, &r), HAKO_ERR_NULL);
  hako_handle f1;
  ASSERT_EQ(hako_new_float(f.vm, 1.5, &f1), HAKO_OK);
  EXPECT_EQ(hako_get_int(f.vm, f1, &x), HAKO_ERR_TYPE);
  // Nil and NaN are not keys.
  hako_handle nil, nan;
  ASSERT_EQ(hako_new_nil(f.vm, &nil), HAKO_OK);
  ASSERT_EQ(hako_new_float(f.vm, 0.0 / 0.0, &nan), HAKO_OK);
  EXPECT_EQ(hako_map_set(f.vm, m, nil, i), HAKO_ERR_ARG);
  EXPECT_EQ(hako_map_set(f.vm, m, nan, i), HAKO_ERR_ARG);
  EXPECT_STREQ(hako_error_message(f.vm), "hako_map_set: a map key cannot be NaN");
  // Handles: 0, released, forged, of another VM.
  EXPECT_EQ(hako_get_int(f.vm, HAKO_NO_HANDLE, &x), HAKO_ERR_HANDLE);
  ASSERT_EQ(hako_release(f.vm, i), HAKO_OK);
  EXPECT_EQ(hako_get_int(f.vm, i, &x), HAKO_ERR_HANDLE);
  EXPECT_EQ(hako_release(f.vm, i), HAKO_ERR_HANDLE);  // twice
  hako_handle again;
  ASSERT_EQ(hako_new_int(f.vm, 4, &again), HAKO_OK);  // reuses the slot, new generation
  EXPECT_EQ(hako_get_int(f.vm, i, &x), HAKO_ERR_HANDLE);
  EXPECT_EQ(hako_typeof(f.vm, i), HAKO_TYPE_INVALID);
  EXPECT_EQ(hako_get_int(f.vm, 0xFFFF00000000FFFFull, &x), HAKO_ERR_HANDLE);
  VmFixture other;
  hako_handle o;
  ASSERT_EQ(hako_new_int(other.vm, 9, &o), HAKO_OK);
  EXPECT_EQ(hako_get_int(f.vm, o, &x), HAKO_ERR_HANDLE);
  // NULL pointers and names.
  EXPECT_EQ(hako_new_int(f.vm, 1, nullptr), HAKO_ERR_NULL);
  EXPECT_EQ(hako_run_string(f.vm, "x", nullptr, 0, nullptr), HAKO_ERR_NULL);
  EXPECT_EQ(hako_register(f.vm, "", host_add, nullptr), HAKO_ERR_ARG);
  EXPECT_EQ(hako_register(f.vm, "f", nullptr, nullptr), HAKO_ERR_NULL);
  EXPECT_EQ(hako_get_global(f.vm, nullptr, &r), HAKO_ERR_ARG);
  EXPECT_EQ(hako_new_string(f.vm, nullptr, 3, &r), HAKO_ERR_NULL);
  ASSERT_EQ(hako_new_string(f.vm, nullptr, 0, &r), HAKO_OK);  // the empty string
  EXPECT_EQ(str_of(f.vm, r), "");
  // The VM is fine after all that.
  EXPECT_EQ(run_int(f.vm, "return 3;"), 3);
}

// ---- GC safety of handles ------------------------------------------------------------------

TEST(HakoApi, HandlesAreRootsUnderGcStress) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.gc_stress = 1;  // collect at every allocation
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  hako_handle arr, s;
  ASSERT_EQ(hako_new_array(f.vm, &arr), HAKO_OK);
  for (int i = 0; i < 50; ++i) {
    std::string text = "item-" + std::to_string(i) + std::string(50, 'x');
    ASSERT_EQ(hako_new_string(f.vm, text.data(), text.size(), &s), HAKO_OK);
    ASSERT_EQ(hako_array_push(f.vm, arr, s), HAKO_OK);
    hako_release(f.vm, s);
  }
  Counter c;
  hako_register(f.vm, "add", host_add, &c);
  EXPECT_EQ(
      run_int(f.vm,
              "let t = 0; for (i in range(20)) { t = add(t, i); let g = [str(i)]; } return t;"),
      190);
  ASSERT_EQ(hako_collect(f.vm), HAKO_OK);
  hako_handle e;
  ASSERT_EQ(hako_array_get(f.vm, arr, 49, &e), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, e), "item-49" + std::string(50, 'x'));
  hako_stats st;
  hako_get_stats(f.vm, &st);
  EXPECT_GT(st.gc_cycles, 100u);
}

// ---- Threads, teardown, sandbox --------------------------------------------------------

void thread_work(int seed, int64_t* out) {
  hako_vm* vm = nullptr;
  if (hako_create(nullptr, &vm) != HAKO_OK) return;
  Counter c;
  hako_register(vm, "add", host_add, &c);
  char src[256];
  std::snprintf(src, sizeof src,
                "let m = {}; let t = 0;\n"
                "for (i in range(20000)) { m[str(i)] = i; t = add(t, i %% %d); }\n"
                "return t + len(m);",
                seed);
  hako_handle r;
  if (hako_run_string(vm, "thread", src, std::strlen(src), &r) == HAKO_OK) hako_get_int(vm, r, out);
  hako_destroy(vm);
}

TEST(HakoApi, TwoVmsOnTwoThreads) {
  int64_t a = -1, b = -1;
  std::thread t1(thread_work, 7, &a), t2(thread_work, 13, &b);
  t1.join();
  t2.join();
  int64_t want_a = 20000, want_b = 20000;
  for (int i = 0; i < 20000; ++i) {
    want_a += i % 7;
    want_b += i % 13;
  }
  EXPECT_EQ(a, want_a);
  EXPECT_EQ(b, want_b);
}

TEST(HakoApi, TeardownWithLiveObjectsAndHandlesFreesEveryByte) {
  hak_kpi_t before, after;
  hak_get_kpi(&before);
  {
    hako_vm* vm;
    ASSERT_EQ(hako_create(nullptr, &vm), HAKO_OK);
    Counter c;
    hako_register(vm, "add", host_add, &c);
    hako_handle r, s;
    ASSERT_EQ(
        run(vm,
            "let a = []; let m = {\"self\": nil}; m[\"self\"] = m; push(a, m); push(a, a);\n"
            "for (i in range(5000)) { push(a, {\"k\": str(i), \"f\": fn() { return i; }}); }\n"
            "return a;",
            &r),
        HAKO_OK);
    ASSERT_EQ(hako_new_string(vm, "held", 4, &s), HAKO_OK);
    ASSERT_EQ(run(vm, "error(\"leave an error behind\");"), HAKO_ERR_RUNTIME);
    hako_stats st;
    ASSERT_EQ(hako_get_stats(vm, &st), HAKO_OK);
    EXPECT_GT(st.heap_bytes, 100000u);
    EXPECT_EQ(st.handles, 2u);
    ASSERT_EQ(hako_destroy(vm), HAKO_OK);  // r and s still held
  }
  hak_get_kpi(&after);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST(HakoApi, TeardownAtTheMemoryLimit) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.memory_limit = 1 << 20;
  hako_vm* vm;
  ASSERT_EQ(hako_create(&cfg, &vm), HAKO_OK);
  EXPECT_EQ(run(vm, "let keep = []; while (true) { push(keep, string.rep(\"q\", 100)); }"),
            HAKO_ERR_MEMORY);
  hako_stats st;
  hako_get_stats(vm, &st);
  EXPECT_GT(st.heap_bytes, (1u << 20) - 20000);  // full
  EXPECT_LE(st.heap_bytes, 1u << 20);
  EXPECT_EQ(hako_destroy(vm), HAKO_OK);  // teardown allocates nothing
}

TEST(HakoApi, SandboxHasNoIoAndNoOtherWayToFilesOrBytecode) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.modules = HAKO_MODULES_SANDBOX;
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  EXPECT_EQ(run(f.vm, "return io.read_file(\"/etc/passwd\");"), HAKO_ERR_COMPILE);
  EXPECT_NE(std::strstr(hako_error_message(f.vm), "undeclared variable 'io'"), nullptr);
  hako_handle h;
  EXPECT_EQ(hako_get_global(f.vm, "io", &h), HAKO_ERR_NOT_FOUND);
  // The audit: every global and every module function there is, by name. None opens files,
  // loads code or bytecode (no load, dofile, require, loadstring, eval).
  for (const char* name : {"print",  "len",    "push", "pop",  "insert", "remove", "keys",  "has",
                           "delete", "type",   "str",  "int",  "float",  "range",  "clock", "error",
                           "pcall",  "assert", "sort", "math", "string", "json",   "gc"}) {
    ASSERT_EQ(hako_get_global(f.vm, name, &h), HAKO_OK) << name;
    hako_release(f.vm, h);
  }
  for (const char* name : {"io", "load", "dofile", "require", "loadstring", "eval", "os", "exec",
                           "open", "bytecode"}) {
    EXPECT_EQ(hako_get_global(f.vm, name, &h), HAKO_ERR_NOT_FOUND) << name;
  }
  ASSERT_EQ(run(f.vm,
                "let out = [];\n"
                "for (m in [math, string, json, gc]) { let ks = keys(m); sort(ks); push(out, "
                "string.join(ks, \",\")); }\n"
                "return string.join(out, \" \");",
                &h),
            HAKO_OK)
      << hako_error_message(f.vm);
  EXPECT_EQ(str_of(f.vm, h),
            "abs,atan,ceil,cos,exp,floor,fmod,huge,log,max,min,pi,random,seed,sin,sqrt,tan "
            "byte,char,find,format,join,lower,rep,split,sub,upper "
            "parse,stringify collect,stats");
}

TEST(HakoApi, ModulesCanBeLeftOut) {
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.modules = HAKO_MODULE_STRING;  // no math, json, io, gc
  VmFixture f(&cfg);
  ASSERT_EQ(f.st, HAKO_OK);
  EXPECT_EQ(run(f.vm, "return math.sqrt(4);"), HAKO_ERR_COMPILE);
  EXPECT_EQ(run(f.vm, "return json.parse(\"1\");"), HAKO_ERR_COMPILE);
  EXPECT_EQ(run(f.vm, "gc.collect();"), HAKO_ERR_COMPILE);
  hako_handle h;
  ASSERT_EQ(run(f.vm, "return string.upper(\"ab\") .. \"cd\":upper();", &h), HAKO_OK);
  EXPECT_EQ(str_of(f.vm, h), "ABCD");
  // A host may put its own `math` there.
  hako_handle m;
  ASSERT_EQ(hako_new_map(f.vm, &m), HAKO_OK);
  ASSERT_EQ(hako_set_global(f.vm, "math", m), HAKO_OK);
  EXPECT_EQ(run_int(f.vm, "return len(math);"), 0);
}

// ---- The C++ wrapper ------------------------------------------------------------------------

hako_status cpp_greet(hako_vm* vm, void* ud, int argc, const hako_handle* argv,
                      hako_handle* result) {
  const char* p;
  size_t n;
  if (argc != 1 || hako_get_string(vm, argv[0], &p, &n) != HAKO_OK)
    return hako_raise(vm, "greet(name)");
  std::string s = std::string(static_cast<const char*>(ud)) + std::string(p, n);
  return hako_new_string(vm, s.data(), s.size(), result);
}

TEST(HakoCpp, VmValuesAndIteration) {
  hako::Vm vm;
  ASSERT_TRUE(vm);
  static const char kHello[] = "hello, ";
  ASSERT_EQ(vm.def("greet", cpp_greet, const_cast<char*>(kHello)), HAKO_OK);
  hako::Value r;
  ASSERT_EQ(vm.run("cpp", "fn pair(a, b) { return {\"a\": a, \"b\": b, \"g\": greet(b)}; }", &r),
            HAKO_OK);
  EXPECT_TRUE(r.is_nil());
  hako::Value x = vm.integer(5), y = vm.string("bob");
  ASSERT_EQ(vm.call("pair", {&x, &y}, &r), HAKO_OK) << vm.error();
  EXPECT_EQ(r.length(), 3u);
  EXPECT_EQ(r.get("a").to_int().value_or(0), 5);
  EXPECT_EQ(r.get("g").to_string().value_or(""), "hello, bob");
  EXPECT_FALSE(r.get("nope"));
  std::string order;
  hako::MapIter it(r);
  while (it.next()) order += std::string(it.key().to_string().value_or("?"));
  EXPECT_EQ(order, "abg");
  hako::Value arr = vm.array();
  ASSERT_EQ(arr.push(vm.number(1.5)), HAKO_OK);
  ASSERT_EQ(arr.push(vm.boolean(true)), HAKO_OK);
  EXPECT_EQ(arr.at(0).to_float().value_or(0), 1.5);
  EXPECT_EQ(arr.at(1).to_bool().value_or(false), true);
  EXPECT_FALSE(arr.at(2));
  ASSERT_EQ(vm.set_global("arr", arr), HAKO_OK);
  EXPECT_EQ(vm.global("arr").length(), 2u);
  hako::Value copy = arr.dup();
  arr.reset();
  EXPECT_EQ(copy.length(), 2u);
  EXPECT_EQ(vm.run("cpp", "error(\"x\");"), HAKO_ERR_RUNTIME);
  EXPECT_STREQ(vm.error(), "x");
}

TEST(HakoCpp, MoveAndFailedCreation) {
  hako::Vm vm;
  hako::Vm moved = std::move(vm);
  EXPECT_FALSE(vm);
  EXPECT_TRUE(moved);
  hako::Value v;
  EXPECT_EQ(moved.run("m", "return 4;", &v), HAKO_OK);
  EXPECT_EQ(v.to_int().value_or(0), 4);
  v.reset();  // before its VM goes
  hako_config cfg;
  hako_config_init(&cfg);
  cfg.memory_limit = 100;
  hako::Vm small(&cfg);
  EXPECT_FALSE(small);
  EXPECT_EQ(small.create_status(), HAKO_ERR_MEMORY);
}

}  // namespace

// A runtime for tests: output captured, values made from C++ kept alive (pinned), natives
// called by name ("len", "string.sub") through Runtime::call as the interpreter would.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "vm/array.h"
#include "vm/map.h"
#include "vm/print.h"
#include "vm/runtime.h"
#include "vm/value_ops.h"

namespace hako::vm::testing {

class TestRuntime {
 public:
  explicit TestRuntime(RuntimeOptions opt = {}) {
    // HAKO_TEST_GC_STRESS=1 runs every test with a collection at every allocation.
    if (const char* s = std::getenv("HAKO_TEST_GC_STRESS"); s && *s == '1') opt.gc_stress = true;
    opt.output = [](void* ud, const char* d, size_t n) {
      static_cast<std::string*>(ud)->append(d, n);
    };
    opt.output_ud = &out;
    rt = Runtime::create(opt);
    if (!rt) return;
    pins = new (pin_mem) ValueBuffer(*rt);
  }
  ~TestRuntime() {
    if (!rt) return;
    pins->~ValueBuffer();
    Runtime::destroy(rt);
  }
  TestRuntime(const TestRuntime&) = delete;
  TestRuntime& operator=(const TestRuntime&) = delete;

  Runtime& operator*() { return *rt; }
  Runtime* operator->() { return rt; }

  Value pin(Value v) {
    EXPECT_TRUE(pins->push(v));
    return v;
  }
  Value str(std::string_view s) {
    String* p = rt->new_string(s);
    EXPECT_NE(p, nullptr);
    return pin(p ? Value::string(p) : Value());
  }
  Value arr(std::initializer_list<Value> items) {
    Array* a = rt->new_array(0);
    Value v = pin(Value::array(a));
    for (Value x : items) EXPECT_TRUE(array_push(*rt, a, x));
    return v;
  }
  Value map(std::initializer_list<std::pair<Value, Value>> items) {
    Map* m = rt->new_map(0);
    Value v = pin(Value::map(m));
    for (auto& [k, x] : items) EXPECT_TRUE(map_set(*rt, m, k, x));
    return v;
  }
  static Value i(int64_t x) { return Value::integer(x); }
  static Value f(double x) { return Value::number(x); }
  static Value b(bool x) { return Value::boolean(x); }

  // A global, or a module's member ("string.sub").
  Value global(std::string_view path) {
    size_t dot = path.find('.');
    Value v = rt->get_global(path.substr(0, dot));
    if (dot == std::string_view::npos || !v.is_map()) return v;
    String* k = rt->new_string(path.substr(dot + 1));
    return k ? map_get(*rt, v.as_map(), Value::string(k)) : Value();
  }

  // Calls a function value; the result is pinned. False with the error pending.
  bool call_value(Value fn, const std::vector<Value>& args, Value* out) {
    uint32_t slot = rt->top_index();
    if (!rt->ensure_stack(args.size() + 1)) return false;
    *rt->top++ = fn;
    for (Value a : args) *rt->top++ = a;
    bool ok = rt->call(slot, static_cast<uint32_t>(args.size()));
    Value r = ok ? rt->stack[slot] : Value();
    if (ok) pin(r);
    rt->top = rt->stack + slot;
    *out = r;
    return ok;
  }
  bool call(std::string_view name, const std::vector<Value>& args, Value* out) {
    Value fn = global(name);
    EXPECT_TRUE(fn.is_function()) << name;
    return call_value(fn, args, out);
  }
  // The result of a call that must succeed.
  Value ok(std::string_view name, const std::vector<Value>& args = {}) {
    Value r;
    bool good = call(name, args, &r);
    EXPECT_TRUE(good) << name << ": " << error_text();
    return r;
  }
  // The message of a call that must fail (and clears the error).
  std::string fails(std::string_view name, const std::vector<Value>& args = {}) {
    Value r;
    bool good = call(name, args, &r);
    EXPECT_FALSE(good) << name << " returned " << show(r);
    return good ? "" : error_text();
  }
  std::string error_text() {
    if (rt->error_kind() == ErrorKind::kNone) return "(no error)";
    Value e = rt->error_value();
    rt->clear_error();
    pin(e);
    return show(e);
  }
  // str(v).
  std::string show(Value v) {
    Value s;
    if (!to_string(*rt, v, &s)) return "(to_string failed: " + error_text() + ")";
    return std::string(s.as_string()->view());
  }
  // The result of a call as str() shows it.
  std::string text(std::string_view name, const std::vector<Value>& args = {}) {
    return show(ok(name, args));
  }

  Runtime* rt = nullptr;
  ValueBuffer* pins = nullptr;
  std::string out;

 private:
  alignas(ValueBuffer) char pin_mem[sizeof(ValueBuffer)];
};

}  // namespace hako::vm::testing

// hako.hpp — a thin C++ RAII layer over hako.h (header-only; no exceptions: failures are
// hako_status values and the VM's error message, as in the C API).
//
//   hako::Vm vm;                          // or hako::Vm vm(&cfg)
//   if (!vm) ...;                         // creation failed: vm.create_status()
//   hako::Value r;
//   if (vm.run("main", "return 6 * 7;", &r) != HAKO_OK) puts(vm.error());
//   int64_t x = r.to_int().value_or(0);   // 42
//
// A hako::Value owns one handle and releases it when destroyed; it must not outlive its Vm.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "hako.h"

namespace hako {

using Status = hako_status;

class Value {
 public:
  Value() = default;
  Value(hako_vm* vm, hako_handle h) : vm_(vm), h_(h) {}
  ~Value() { reset(); }
  Value(Value&& o) noexcept : vm_(o.vm_), h_(std::exchange(o.h_, HAKO_NO_HANDLE)) {}
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      reset();
      vm_ = o.vm_;
      h_ = std::exchange(o.h_, HAKO_NO_HANDLE);
    }
    return *this;
  }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;

  // Takes over a handle, for the out-parameters of the C API: hako_new_int(vm, 1, v.out(vm)).
  hako_handle* out(hako_vm* vm) {
    reset();
    vm_ = vm;
    return &h_;
  }
  void reset() {
    if (h_ != HAKO_NO_HANDLE) hako_release(vm_, h_);
    h_ = HAKO_NO_HANDLE;
  }
  hako_handle handle() const { return h_; }
  hako_handle release() { return std::exchange(h_, HAKO_NO_HANDLE); }  // the caller owns it
  explicit operator bool() const { return h_ != HAKO_NO_HANDLE; }
  Value dup() const {
    Value v;
    hako_dup(vm_, h_, v.out(vm_));
    return v;
  }

  hako_type type() const { return hako_typeof(vm_, h_); }
  bool is_nil() const { return type() == HAKO_TYPE_NIL; }
  std::optional<bool> to_bool() const {
    int b;
    return hako_get_bool(vm_, h_, &b) == HAKO_OK ? std::optional<bool>(b != 0) : std::nullopt;
  }
  std::optional<int64_t> to_int() const {
    int64_t i;
    return hako_get_int(vm_, h_, &i) == HAKO_OK ? std::optional<int64_t>(i) : std::nullopt;
  }
  std::optional<double> to_float() const {
    double f;
    return hako_get_float(vm_, h_, &f) == HAKO_OK ? std::optional<double>(f) : std::nullopt;
  }
  // Valid while this Value holds the string.
  std::optional<std::string_view> to_string() const {
    const char* p;
    size_t n;
    if (hako_get_string(vm_, h_, &p, &n) != HAKO_OK) return std::nullopt;
    return std::string_view(p, n);
  }

  // Arrays and maps: length (0 for other types), elements, fields.
  size_t length() const {
    size_t n = 0;
    hako_type t = type();  // no failing probe: it would replace the VM's last error
    if (t == HAKO_TYPE_ARRAY) hako_array_length(vm_, h_, &n);
    if (t == HAKO_TYPE_MAP) hako_map_length(vm_, h_, &n);
    return n;
  }
  Value at(size_t i) const {  // an empty Value when out of range
    Value v;
    hako_array_get(vm_, h_, i, v.out(vm_));
    return v;
  }
  Status push(const Value& v) { return hako_array_push(vm_, h_, v.h_); }
  Value get(const char* key) const {  // an empty Value when absent
    Value v;
    hako_map_get_str(vm_, h_, key, v.out(vm_));
    return v;
  }
  Status set(const char* key, const Value& v) { return hako_map_set_str(vm_, h_, key, v.h_); }

  hako_vm* vm() const { return vm_; }

 private:
  hako_vm* vm_ = nullptr;
  hako_handle h_ = HAKO_NO_HANDLE;
};

// Insertion-ordered iteration over a map: while (it.next()) use it.key(), it.value().
class MapIter {
 public:
  explicit MapIter(const Value& map) : map_(map) {}
  bool next() {
    return hako_map_next(map_.vm(), map_.handle(), &pos_, k_.out(map_.vm()), v_.out(map_.vm())) ==
           HAKO_OK;
  }
  const Value& key() const { return k_; }
  const Value& value() const { return v_; }

 private:
  const Value& map_;
  size_t pos_ = 0;
  Value k_, v_;
};

class Vm {
 public:
  explicit Vm(const hako_config* cfg = nullptr) { status_ = hako_create(cfg, &vm_); }
  ~Vm() { hako_destroy(vm_); }
  Vm(Vm&& o) noexcept : vm_(std::exchange(o.vm_, nullptr)), status_(o.status_) {}
  Vm& operator=(Vm&& o) noexcept {
    if (this != &o) {
      hako_destroy(vm_);
      vm_ = std::exchange(o.vm_, nullptr);
      status_ = o.status_;
    }
    return *this;
  }
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  explicit operator bool() const { return vm_ != nullptr; }
  Status create_status() const { return status_; }
  hako_vm* get() const { return vm_; }

  Status run(std::string_view chunk_name, std::string_view source, Value* result = nullptr) {
    char name[256];
    size_t n = chunk_name.size() < sizeof name ? chunk_name.size() : sizeof name - 1;
    chunk_name.copy(name, n);
    name[n] = '\0';
    return hako_run_string(vm_, name, source.data(), source.size(),
                           result ? result->out(vm_) : nullptr);
  }
  Status run_file(const char* path, Value* result = nullptr) {
    return hako_run_file(vm_, path, result ? result->out(vm_) : nullptr);
  }
  Status call(const char* name, std::initializer_list<const Value*> args, Value* result = nullptr) {
    hako_handle argv[16];
    int n = 0;
    for (const Value* a : args) {
      if (n == 16) return HAKO_ERR_ARG;
      argv[n++] = a->handle();
    }
    return hako_call_global(vm_, name, n, argv, result ? result->out(vm_) : nullptr);
  }
  Status def(const char* name, hako_host_fn fn, void* ud = nullptr) {
    return hako_register(vm_, name, fn, ud);
  }
  Value global(const char* name) {
    Value v;
    hako_get_global(vm_, name, v.out(vm_));
    return v;
  }
  Status set_global(const char* name, const Value& v) {
    return hako_set_global(vm_, name, v.handle());
  }

  Value nil() { return make(hako_new_nil(vm_, &h_)); }
  Value boolean(bool b) { return make(hako_new_bool(vm_, b, &h_)); }
  Value integer(int64_t i) { return make(hako_new_int(vm_, i, &h_)); }
  Value number(double f) { return make(hako_new_float(vm_, f, &h_)); }
  Value string(std::string_view s) { return make(hako_new_string(vm_, s.data(), s.size(), &h_)); }
  Value array() { return make(hako_new_array(vm_, &h_)); }
  Value map() { return make(hako_new_map(vm_, &h_)); }

  const char* error() const { return hako_error_message(vm_); }
  const char* traceback() const { return hako_error_traceback(vm_); }
  Status error_status() const { return hako_error_status(vm_); }

 private:
  Value make(Status st) {
    return Value(vm_, st == HAKO_OK ? std::exchange(h_, HAKO_NO_HANDLE) : HAKO_NO_HANDLE);
  }
  hako_vm* vm_ = nullptr;
  Status status_ = HAKO_OK;
  hako_handle h_ = HAKO_NO_HANDLE;
};

}  // namespace hako

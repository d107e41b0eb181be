// The global functions: print, len, push, pop, insert, remove, keys, has, delete, type,
// str, int, float, range, clock, error, pcall, assert (sort is in lib_sort.cc).
#include "vm/builtins.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>

#include "vm/array.h"
#include "vm/map.h"
#include "vm/print.h"

namespace hako::vm {

bool open_lib(Runtime& rt, const char* module, const NativeReg* fns, size_t n, Map** out) {
  Map* into = rt.globals();
  char prefix[32] = "";
  if (module) {
    if (!(into = rt.new_map(static_cast<uint32_t>(n))) || !rt.set_global(module, Value::map(into)))
      return false;
    std::snprintf(prefix, sizeof prefix, "%s.", module);
  }
  for (size_t i = 0; i < n; ++i)
    if (!rt.register_native(into, prefix, fns[i].name, fns[i].fn)) return false;
  if (out) *out = into;
  return true;
}

bool set_field(Runtime& rt, Map* m, const char* key, Value v) {
  Local keep(rt, v);
  String* k = rt.new_string(key);
  return k && map_set(rt, m, Value::string(k), v);
}

bool open_builtins(Runtime& rt) {
  return open_base(rt) && open_math(rt) && open_string(rt) && open_json(rt) &&
         (!rt.options().io || open_io(rt)) && open_gc(rt);
}

namespace {

bool native_print(Runtime& rt, Args args, Value*) {
  Buffer b(rt);
  for (uint32_t i = 0; i < args.size(); ++i)
    if ((i && !b.append('\t')) || !append_value(rt, b, args[i])) return false;
  if (!b.append('\n')) return false;
  rt.write(b.view());
  return true;
}

bool native_len(Runtime&, Args args, Value* ret) {
  Value v = args[0];
  switch (v.tag) {
    case kString:
      *ret = Value::integer(static_cast<int64_t>(v.as_string()->size()));
      return true;
    case kArray:
      *ret = Value::integer(v.as_array()->len);
      return true;
    case kMap:
      *ret = Value::integer(v.as_map()->count);
      return true;
    default:
      return args.bad_type(0, "string, array or map");
  }
}

bool native_push(Runtime& rt, Args args, Value*) {
  Array* a;
  return args.get_array(0, &a) && array_push(rt, a, args[1]);
}

bool native_pop(Runtime&, Args args, Value* ret) {
  Array* a;
  if (!args.get_array(0, &a)) return false;
  if (a->len) *ret = a->items[--a->len];
  return true;
}

bool native_insert(Runtime& rt, Args args, Value*) {
  Array* a;
  int64_t i;
  if (!args.get_array(0, &a) || !args.get_int(1, &i)) return false;
  if (i < 0 || i > a->len) return index_error(rt, i, a->len);
  return array_insert(rt, a, static_cast<uint32_t>(i), args[2]);
}

bool native_remove(Runtime& rt, Args args, Value* ret) {
  Array* a;
  int64_t i;
  if (!args.get_array(0, &a) || !args.get_int(1, &i)) return false;
  if (i < 0 || i >= a->len) return index_error(rt, i, a->len);
  *ret = array_remove(a, static_cast<uint32_t>(i));
  return true;
}

bool native_keys(Runtime& rt, Args args, Value* ret) {
  Map* m;
  if (!args.get_map(0, &m) || !rt.charge(m->count)) return false;
  Array* a = rt.new_array(m->count);
  if (!a) return false;
  for (uint32_t i = 0; i < m->used; ++i)
    if (m->entries[i].live()) a->items[a->len++] = m->entries[i].key();
  *ret = Value::array(a);
  return true;
}

bool native_has(Runtime& rt, Args args, Value* ret) {
  Map* m;
  if (!args.get_map(0, &m)) return false;
  *ret = Value::boolean(map_has(rt, m, args[1]));
  return true;
}

bool native_delete(Runtime& rt, Args args, Value* ret) {
  Map* m;
  if (!args.get_map(0, &m)) return false;
  map_delete(rt, m, args[1], ret);
  return true;
}

bool native_type(Runtime& rt, Args args, Value* ret) {
  static const Name kTypeName[] = {kName_nil,      kName_bool_,   kName_bool_, kName_int_,
                                   kName_float_,   kName_string,  kName_array, kName_map,
                                   kName_function, kName_function};
  *ret = Value::string(rt.name(kTypeName[args[0].tag]));
  return true;
}

bool native_str(Runtime& rt, Args args, Value* ret) { return to_string(rt, args[0], ret); }

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// A string as a number: decimal or 0x-hex integers (an int when it fits), or a decimal
// float (also "inf", "nan"); surrounding whitespace is allowed. False when it is neither.
bool parse_number(std::string_view s, Value* out) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  const char* p = s.data() + b;
  const char* end = s.data() + e;
  if (p == end) return false;
  bool neg = *p == '-';
  const char* digits = p + (*p == '-' || *p == '+');
  if (digits == end || *digits == '-' || *digits == '+') return false;
  bool hex = end - digits > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  uint64_t u = 0;
  auto r = std::from_chars(digits + (hex ? 2 : 0), end, u, hex ? 16 : 10);
  if (r.ptr == end && r.ec == std::errc()) {
    if (u <= uint64_t{INT64_MAX} || (neg && u == uint64_t{INT64_MAX} + 1)) {
      *out = Value::integer(neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u));
      return true;
    }
    if (hex) return false;
  }
  if (hex) return false;
  double d;
  auto f = std::from_chars(digits, end, d, std::chars_format::general);
  if (f.ptr != end || (f.ec != std::errc() && f.ec != std::errc::result_out_of_range)) return false;
  if (f.ec == std::errc::result_out_of_range) {  // from_chars leaves d alone: find the side
    bool tiny = false;
    for (const char* q = digits; q < end; ++q)
      if (*q == 'e' || *q == 'E') tiny = q + 1 < end && q[1] == '-';
    d = tiny ? 0.0 : HUGE_VAL;
  }
  *out = Value::number(neg ? -d : d);
  return true;
}

bool native_int(Runtime&, Args args, Value* ret) {
  Value v = args[0];
  if (v.is_string() && !parse_number(v.as_string()->view(), &v)) return true;
  int64_t i;
  if (v.is_int())
    *ret = v;
  else if (v.is_float() && float_to_int(std::trunc(v.f), &i))
    *ret = Value::integer(i);
  return true;
}

bool native_float(Runtime&, Args args, Value* ret) {
  Value v = args[0];
  if (v.is_string() && !parse_number(v.as_string()->view(), &v)) return true;
  if (v.is_number()) *ret = Value::number(v.as_number());
  return true;
}

bool native_range(Runtime& rt, Args args, Value* ret) {
  int64_t a = 0, b, step = 1;
  if (args.size() <= 1) {
    if (!args.get_int(0, &b)) return false;
  } else if (!args.get_int(0, &a) || !args.get_int(1, &b) || !args.opt_int(2, 1, &step)) {
    return false;
  }
  if (step == 0) return args.bad_arg(2, "step cannot be zero");
  uint64_t span = 0, by = step > 0 ? uint64_t(step) : 0 - uint64_t(step);
  if (step > 0 && b > a) span = uint64_t(b) - uint64_t(a);
  if (step < 0 && a > b) span = uint64_t(a) - uint64_t(b);
  uint64_t n = span / by + (span % by != 0);
  if (n > UINT32_MAX)
    return rt.error("range too large (%llu elements)", static_cast<unsigned long long>(n));
  if (!rt.charge(static_cast<int64_t>(n))) return false;
  Array* arr = rt.new_array(static_cast<uint32_t>(n));
  if (!arr) return false;
  uint64_t x = uint64_t(a);
  for (uint64_t i = 0; i < n; ++i, x += uint64_t(step)) arr->items[i] = Value::integer(int64_t(x));
  arr->len = static_cast<uint32_t>(n);
  *ret = Value::array(arr);
  return true;
}

bool native_clock(Runtime&, Args, Value* ret) {
  auto t = std::chrono::steady_clock::now().time_since_epoch();
  *ret = Value::number(std::chrono::duration<double>(t).count());
  return true;
}

bool native_error(Runtime& rt, Args args, Value*) { return rt.raise(args[0]); }

// pcall(f, args...) -> {ok: true, value: r} or {ok: false, error: e}. Every error but an
// exhausted budget is caught.
bool native_pcall(Runtime& rt, Args args, Value* ret) {
  uint32_t n = args.size();
  if (n == 0) return args.bad_type(0, "function");
  uint32_t slot = rt.top_index();
  if (!rt.ensure_stack(n)) return false;
  for (uint32_t i = 0; i < n; ++i) *rt.top++ = args[i];
  bool ok = rt.call(slot, n - 1);  // the result (or nothing) is left in slot
  if (!ok) {
    if (rt.error_kind() == ErrorKind::kBudget) return false;
    Value e = rt.error_value();
    rt.clear_error();
    *rt.top++ = e;  // the slot the call freed
  }
  Map* m = rt.new_map(2);
  if (!m) return false;
  *ret = Value::map(m);
  Value result = rt.stack[slot];
  bool set = map_set(rt, m, Value::string(rt.name(kName_ok)), Value::boolean(ok)) &&
             map_set(rt, m, Value::string(rt.name(ok ? kName_value : kName_error)), result);
  rt.top = rt.stack + slot;
  return set;
}

bool native_assert(Runtime& rt, Args args, Value* ret) {
  if (args[0].truthy()) {
    *ret = args[0];
    return true;
  }
  if (args.size() >= 2) return rt.raise(args[1]);
  return rt.raise(Value::string(rt.name(kName_assertion_failed)));
}

const NativeReg kBase[] = {
    {"print", native_print}, {"len", native_len},       {"push", native_push},
    {"pop", native_pop},     {"insert", native_insert}, {"remove", native_remove},
    {"keys", native_keys},   {"has", native_has},       {"delete", native_delete},
    {"type", native_type},   {"str", native_str},       {"int", native_int},
    {"float", native_float}, {"range", native_range},   {"clock", native_clock},
    {"error", native_error}, {"pcall", native_pcall},   {"assert", native_assert},
    {"sort", native_sort},
};

}  // namespace

bool open_base(Runtime& rt) { return open_lib(rt, nullptr, kBase); }

}  // namespace hako::vm

// The string module (format is in lib_format.cc). Indexes are 0-based; a range [i, j) is
// clamped to the string as Python's s[i:j] is, negative values counting from the end.
// Strings are bytes: upper and lower change ASCII letters only.
#include <cstring>

#include "vm/array.h"
#include "vm/buffer.h"
#include "vm/builtins.h"
#include "vm/print.h"

namespace hako::vm {

namespace {

// A position for a string of length len: negative counts from the end; clamped to [0, len].
size_t clamp_index(int64_t i, size_t len) {
  auto n = static_cast<int64_t>(len);
  if (i < 0) i += n;
  return i < 0 ? 0 : i > n ? len : static_cast<size_t>(i);
}

// Returns a new string of n bytes that fill() writes (interned when short).
template <class F>
bool make_string(Runtime& rt, size_t n, Value* ret, F fill) {
  String* s;
  if (n <= kShortString) {
    char buf[kShortString];
    fill(buf);
    s = rt.new_string({buf, n});
  } else {
    s = rt.new_long_string(n);
    if (s) fill(s->data());
  }
  if (!s) return false;
  *ret = Value::string(s);
  return true;
}

bool str_sub(Runtime& rt, Args args, Value* ret) {
  String* s;
  int64_t i, j;
  if (!args.get_string(0, &s) || !args.get_int(1, &i)) return false;
  size_t len = s->size();
  if (!args.opt_int(2, static_cast<int64_t>(len), &j)) return false;
  size_t b = clamp_index(i, len), e = clamp_index(j, len);
  if (e < b) e = b;
  if (b == 0 && e == len) {
    *ret = args[0];
    return true;
  }
  if (!rt.charge(static_cast<int64_t>((e - b) >> 6))) return false;
  // s is an argument (a stack slot), so its bytes survive the allocation.
  return make_string(rt, e - b, ret,
                     [&](char* p) { std::memcpy(p, args[0].as_string()->data() + b, e - b); });
}

bool str_find(Runtime& rt, Args args, Value* ret) {
  String *s, *needle;
  int64_t start;
  if (!args.get_string(0, &s) || !args.get_string(1, &needle) || !args.opt_int(2, 0, &start))
    return false;
  std::string_view hay = s->view();
  size_t from = clamp_index(start, hay.size());
  if (!rt.charge(static_cast<int64_t>((hay.size() - from) >> 6))) return false;
  size_t at = hay.find(needle->view(), from);
  if (at != std::string_view::npos) *ret = Value::integer(static_cast<int64_t>(at));
  return true;
}

template <bool Upper>
bool str_case(Runtime& rt, Args args, Value* ret) {
  String* s;
  if (!args.get_string(0, &s)) return false;
  size_t n = s->size();
  if (!rt.charge(static_cast<int64_t>(n >> 6))) return false;
  return make_string(rt, n, ret, [&](char* p) {
    const char* src = args[0].as_string()->data();
    for (size_t i = 0; i < n; ++i) {
      char c = src[i];
      if (Upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) c ^= 0x20;
      p[i] = c;
    }
  });
}

bool str_rep(Runtime& rt, Args args, Value* ret) {
  String* s;
  int64_t n;
  if (!args.get_string(0, &s) || !args.get_int(1, &n)) return false;
  size_t len = s->size();
  if (n <= 0 || len == 0) return make_string(rt, 0, ret, [](char*) {});
  if (static_cast<uint64_t>(n) > (SIZE_MAX >> 2) / len)
    return rt.error("string.rep: resulting string too large");
  size_t total = len * static_cast<size_t>(n);
  // The whole cost first: an exhausted budget stops it before any work or allocation.
  if (!rt.charge(static_cast<int64_t>(total >> 6) + 1)) return false;
  return make_string(rt, total, ret, [&](char* p) {
    std::memcpy(p, args[0].as_string()->data(), len);
    for (size_t done = len; done < total;) {  // doubling copies
      size_t k = done < total - done ? done : total - done;
      std::memcpy(p + done, p, k);
      done += k;
    }
  });
}

bool str_byte(Runtime&, Args args, Value* ret) {
  String* s;
  int64_t i;
  if (!args.get_string(0, &s) || !args.opt_int(1, 0, &i)) return false;
  auto n = static_cast<int64_t>(s->size());
  if (i < 0) i += n;
  if (i >= 0 && i < n) *ret = Value::integer(static_cast<unsigned char>(s->data()[i]));
  return true;
}

bool str_char(Runtime& rt, Args args, Value* ret) {
  Buffer b(rt);
  for (uint32_t i = 0; i < args.size(); ++i) {
    int64_t c;
    if (!args.get_int(i, &c)) return false;
    if (c < 0 || c > 255) return args.bad_arg(i, "value out of range");
    if (!b.append(static_cast<char>(c))) return false;
  }
  String* s = b.to_string();
  if (!s) return false;
  *ret = Value::string(s);
  return true;
}

// split("a,,b", ",") is ["a", "", "b"]; an empty separator splits into bytes.
bool str_split(Runtime& rt, Args args, Value* ret) {
  String *s, *sep;
  if (!args.get_string(0, &s) || !args.get_string(1, &sep)) return false;
  Local result(rt);
  Array* a = rt.new_array(0);
  if (!a) return false;
  result.set(Value::array(a));
  std::string_view text = s->view(), by = sep->view();  // arguments: they stay alive
  if (by.empty() && text.empty()) {
    *ret = result.get();
    return true;
  }
  size_t pos = 0;
  for (;;) {
    size_t at = by.empty() ? (pos + 1 < text.size() ? pos + 1 : std::string_view::npos)
                           : text.find(by, pos);
    size_t end = at == std::string_view::npos ? text.size() : at;
    if (!rt.charge(1 + static_cast<int64_t>((end - pos) >> 6))) return false;
    String* part = rt.new_string(text.substr(pos, end - pos));
    if (!part || !array_push(rt, a, Value::string(part))) return false;
    if (at == std::string_view::npos) break;
    pos = at + by.size();
  }
  *ret = result.get();
  return true;
}

// join(arr[, sep]): strings and numbers (written as str() writes them).
bool str_join(Runtime& rt, Args args, Value* ret) {
  Array* a;
  String* sep = nullptr;
  if (!args.get_array(0, &a) || (!args[1].is_nil() && !args.get_string(1, &sep))) return false;
  Buffer b(rt);
  char num[32];
  for (uint32_t i = 0; i < a->len; ++i) {
    Value v = a->items[i];
    if (!rt.charge(1)) return false;
    if (i && sep && !b.append(sep->view())) return false;
    bool ok = v.is_string() ? b.append(v.as_string()->view())
              : v.is_number()
                  ? b.append({num, format_number(v, num)})
                  : args.bad_arg(0, "element %u is a %s; join takes strings and numbers", i,
                                 type_name(v));
    if (!ok) return false;
  }
  String* s = b.to_string();
  if (!s) return false;
  *ret = Value::string(s);
  return true;
}

const NativeReg kStringLib[] = {
    {"sub", str_sub},           {"find", str_find},   {"upper", str_case<true>},
    {"lower", str_case<false>}, {"rep", str_rep},     {"byte", str_byte},
    {"char", str_char},         {"split", str_split}, {"join", str_join},
    {"format", native_format},
};

}  // namespace

bool open_string(Runtime& rt) {
  Map* m;
  if (!open_lib(rt, "string", kStringLib, &m)) return false;
  rt.set_string_methods(m);
  return true;
}

}  // namespace hako::vm

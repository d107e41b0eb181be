#include "vm/print.h"

#include <charconv>

#include "parser/numbers.h"
#include "parser/utf8.h"
#include "vm/path.h"

namespace hako::vm {

size_t format_number(Value v, char* buf) {
  if (v.is_int()) return static_cast<size_t>(std::to_chars(buf, buf + 24, v.i).ptr - buf);
  return format_double(v.f, buf);
}

bool append_quoted(Buffer& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  if (!out.reserve(s.size() + 2)) return false;
  out.append('"');
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    const unsigned char* run = p;  // bytes that need no escape
    while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) ++p;
    if (p > run && !out.append({reinterpret_cast<const char*>(run), size_t(p - run)})) return false;
    if (p == end) break;
    unsigned c = *p;
    if (c >= 0x80) {
      size_t n = utf8_sequence(p, end);
      if (n) {
        if (!out.append({reinterpret_cast<const char*>(p), n})) return false;
        p += n;
        continue;
      }
      char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      if (!out.append({esc, 4})) return false;
      ++p;
      continue;
    }
    static const char kShort[] = "uuuuuuuubtnufruuuuuuuuuuuuuuuuuu";
    char esc[6] = {'\\', static_cast<char>(c), 0, 0, 0, 0};
    size_t n = 2;
    if (c < 0x20 && kShort[c] != 'u') {
      esc[1] = kShort[c];
    } else if (c < 0x20) {
      esc[1] = 'u';
      esc[2] = esc[3] = '0';
      esc[4] = kHex[c >> 4];
      esc[5] = kHex[c & 15];
      n = 6;
    }
    if (!out.append({esc, n})) return false;
    ++p;
  }
  return out.append('"');
}

namespace {

// Scalars and functions; false for containers (nothing written).
bool append_leaf(Buffer& out, Value v, bool quote, bool* ok) {
  char num[kDoubleChars];
  switch (v.tag) {
    case kNil:
      *ok = out.append("nil");
      return true;
    case kFalse:
      *ok = out.append("false");
      return true;
    case kTrue:
      *ok = out.append("true");
      return true;
    case kInt:
    case kFloat:
      *ok = out.append({num, format_number(v, num)});
      return true;
    case kString: {
      std::string_view s = v.as_string()->view();
      *ok = quote ? append_quoted(out, s) : out.append(s);
      return true;
    }
    case kClosure:
    case kNative: {
      String* name = v.is_native() ? v.as_native()->name : v.as_closure()->proto->name;
      *ok = name ? out.append("<function ") && out.append(name->view()) && out.append('>')
                 : out.append("<function>");
      return true;
    }
    default:
      return false;
  }
}

// Writes a leaf, or opens a container (or writes [...] / {...} for one on the path).
bool enter(Buffer& out, Path& path, Value v) {
  bool ok = true;
  if (append_leaf(out, v, true, &ok)) return ok;
  bool array = v.is_array();
  if (v.o->flags & kVisiting) return out.append(array ? "[...]" : "{...}");
  return out.append(array ? '[' : '{') && path.push(v.o);
}

}  // namespace

bool append_value(Runtime& rt, Buffer& out, Value v, bool quote_strings) {
  bool ok = true;
  if (append_leaf(out, v, quote_strings, &ok)) return ok;
  Path path(rt);
  if (!enter(out, path, v)) return false;
  while (!path.empty()) {
    PathFrame& f = path.top();
    if (!rt.charge(1)) return false;
    if (f.o->type == kArray) {
      auto* a = static_cast<Array*>(f.o);
      if (f.pos >= a->len) {
        path.pop();
        if (!out.append(']')) return false;
        continue;
      }
      if (f.pos > 0 && !out.append(", ")) return false;
      if (!enter(out, path, a->items[f.pos++])) return false;
      continue;
    }
    auto* m = static_cast<Map*>(f.o);
    if (f.has_key) {
      f.has_key = false;
      if (!out.append(": ") || !enter(out, path, m->entries[f.pos - 1].value())) return false;
      continue;
    }
    while (f.pos < m->used && !m->entries[f.pos].live()) ++f.pos;
    if (f.pos >= m->used) {
      path.pop();
      if (!out.append('}')) return false;
      continue;
    }
    if (!f.first && !out.append(", ")) return false;
    f.first = false;
    f.has_key = true;
    Value key = m->entries[f.pos++].key();
    if (!enter(out, path, key)) return false;  // may push: f is not used after this
  }
  return true;
}

bool to_string(Runtime& rt, Value v, Value* out) {
  if (v.is_string()) {
    *out = v;
    return true;
  }
  Buffer b(rt);
  if (!append_value(rt, b, v)) return false;
  String* s = b.to_string();
  if (!s) return false;
  *out = Value::string(s);
  return true;
}

}  // namespace hako::vm

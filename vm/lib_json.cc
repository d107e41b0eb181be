// json.parse and json.stringify, on the front end's reader (a json::Builder that builds
// Hako values) and writer (parser/json_writer.h). Decisions in docs/LANGUAGE.md.
#include <charconv>
#include <cstring>

#include "parser/json.h"
#include "parser/json_writer.h"
#include "vm/array.h"
#include "vm/builtins.h"
#include "vm/map.h"
#include "vm/path.h"

namespace hako::vm {

namespace {

// Builds values from the reader's events. Open containers, and a map's pending key after
// it, wait in a rooted buffer; when the outermost value is done it is the buffer's only
// element. Every event charges one unit of the budget (strings one more per 64 bytes), so
// parsing a huge document stops when the budget does.
class ValueBuilder final : public json::Builder {
 public:
  explicit ValueBuilder(Runtime& rt) : rt_(rt), stack_(rt) {}

  bool null() override { return add(Value()); }
  bool boolean(bool b) override { return add(Value::boolean(b)); }
  bool integer(int64_t i) override { return add(Value::integer(i)); }
  bool number(double d) override { return add(Value::number(d)); }
  bool string(std::string_view s) override {
    if (!rt_.charge(static_cast<int64_t>(s.size() >> 6))) return fail();
    String* str = rt_.new_string(s);
    return str ? add(Value::string(str)) : fail();
  }
  bool begin_array() override {
    Array* a = rt_.new_array(0);
    return a && rt_.charge(1) && stack_.push(Value::array(a)) ? true : fail();
  }
  bool begin_object() override {
    Map* m = rt_.new_map(0);
    return m && rt_.charge(1) && stack_.push(Value::map(m)) ? true : fail();
  }
  bool end_array(size_t) override { return close(); }
  bool end_object(size_t) override { return close(); }
  bool key(std::string_view k) override {
    String* s = rt_.new_string(k);
    return s && stack_.push(Value::string(s)) ? true : fail();
  }

  bool failed() const { return failed_; }
  Value result() { return stack_[0]; }

 private:
  bool fail() {
    failed_ = true;
    return false;
  }
  // A finished value goes into the open container, or becomes the result.
  bool add(Value v) {
    if (!rt_.charge(1)) return fail();
    if (stack_.size() == 0) return stack_.push(v) || fail();
    Value top = stack_.back();
    bool ok;
    if (top.is_string()) {  // a key: its map is under it
      stack_.pop();
      ok = map_set(rt_, stack_.back().as_map(), top, v);  // map_set keeps key and value alive
    } else {
      ok = array_push(rt_, top.as_array(), v);
    }
    return ok || fail();
  }
  bool close() {
    Value v = stack_.back();
    stack_.pop();
    return add(v);
  }

  Runtime& rt_;
  ValueBuffer stack_;
  bool failed_ = false;
};

bool json_parse(Runtime& rt, Args args, Value* ret) {
  String* s;
  if (!args.get_string(0, &s)) return false;
  ValueBuilder b(rt);
  Error err;
  if (!json::parse(s->view(), b, &err)) {  // strings end with a NUL byte, as the reader needs
    if (b.failed()) return false;          // out of memory or budget: already raised
    return rt.error("json.parse: %s at line %u, column %u (byte %zu)", err.message, err.line,
                    err.col, err.offset);
  }
  *ret = b.result();
  return true;
}

bool stringify_error(Runtime& rt, const char* what) {
  if (std::strcmp(what, "out of memory") == 0) return rt.oom();
  return rt.error("json.stringify: %s", what);
}

// Writes a scalar, or opens a container; false after raising.
bool write_item(Runtime& rt, json::Writer& w, Path& path, Value v) {
  bool ok;
  switch (v.tag) {
    case kNil:
      ok = w.null();
      break;
    case kFalse:
    case kTrue:
      ok = w.boolean(v.tag == kTrue);
      break;
    case kInt:
      ok = w.integer(v.i);
      break;
    case kFloat:
      ok = w.number(v.f);
      break;
    case kString: {
      std::string_view s = v.as_string()->view();
      if (!rt.charge(static_cast<int64_t>(s.size() >> 6))) return false;
      ok = w.string(s);
      break;
    }
    case kArray:
    case kMap:
      if (v.o->flags & kVisiting) return stringify_error(rt, "circular reference");
      if (!(v.is_array() ? w.begin_array() : w.begin_object()))
        return stringify_error(rt, w.error());
      if (!path.push(v.o)) return false;
      ok = true;
      break;
    default:
      return stringify_error(rt, "a function has no JSON form");
  }
  if (!ok) return stringify_error(rt, w.error());
  // The writer's buffer is not the runtime's: keep it within the memory limit by hand.
  size_t limit = rt.options().memory_limit;
  if (limit && rt.heap_bytes() + w.text().size() > limit) return rt.oom();
  return true;
}

bool write_key(Runtime& rt, json::Writer& w, Value k) {
  if (k.is_string()) return w.key(k.as_string()->view()) || stringify_error(rt, w.error());
  if (k.is_int()) {
    char buf[24];
    auto n = static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, k.i).ptr - buf);
    return w.key({buf, n}) || stringify_error(rt, w.error());
  }
  return rt.error("json.stringify: a map key must be a string or an int, not %s", type_name(k));
}

bool json_stringify(Runtime& rt, Args args, Value* ret) {
  int64_t indent = -1;
  if (!args[1].is_nil()) {
    if (!args.get_int(1, &indent)) return false;
    if (indent < 0 || indent > 64) return args.bad_arg(1, "indent must be 0 to 64");
  }
  json::Writer w(static_cast<int>(indent));
  Path path(rt);
  if (!write_item(rt, w, path, args[0])) return false;
  while (!path.empty()) {
    PathFrame& f = path.top();
    if (!rt.charge(1)) return false;
    if (f.o->type == kArray) {
      auto* a = static_cast<Array*>(f.o);
      if (f.pos >= a->len) {
        path.pop();
        if (!w.end_array()) return stringify_error(rt, w.error());
        continue;
      }
      if (!write_item(rt, w, path, a->items[f.pos++])) return false;
      continue;
    }
    auto* m = static_cast<Map*>(f.o);
    while (f.pos < m->used && !m->entries[f.pos].live()) ++f.pos;
    if (f.pos >= m->used) {
      path.pop();
      if (!w.end_object()) return stringify_error(rt, w.error());
      continue;
    }
    const MapEntry& e = m->entries[f.pos++];
    if (!write_key(rt, w, e.key()) || !write_item(rt, w, path, e.value())) return false;
  }
  String* s = rt.new_string(w.text());
  if (!s) return false;
  *ret = Value::string(s);
  return true;
}

const NativeReg kJson[] = {{"parse", json_parse}, {"stringify", json_stringify}};

}  // namespace

bool open_json(Runtime& rt) { return open_lib(rt, "json", kJson); }

}  // namespace hako::vm

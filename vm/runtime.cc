#include "vm/runtime.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "vm/builtins.h"
#include "vm/interp.h"
#include "vm/map.h"

namespace hako::vm {

namespace {

void write_stdout(void*, const char* data, size_t n) { std::fwrite(data, 1, n, stdout); }

constexpr uint32_t kInitialStrtab = 128;
constexpr size_t kInitialStack = 64;

const char* const kNameText[] = {
#define HAKO_NAME_TEXT(id, text) text,
    HAKO_NAMES(HAKO_NAME_TEXT)
#undef HAKO_NAME_TEXT
};

}  // namespace

void assert_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "hako: %s:%d: assertion failed: %s\n", file, line, what);
  std::abort();
}

// ---- Life ---------------------------------------------------------------------------------

Runtime::Runtime(const RuntimeOptions& opt)
    : opt_(opt),
      output_(opt.output ? opt.output : write_stdout),
      output_ud_(opt.output_ud),
      threshold_(opt.gc_stress ? 0 : opt.gc_min_heap),
      call_hook_(interp_call) {
  set_budget(opt.budget);
}

Runtime* Runtime::create(const RuntimeOptions& opt) {
  void* mem = opt.system_malloc ? std::malloc(sizeof(Runtime))
                                : hak_alloc_at(sizeof(Runtime), HAK_SITE("vm.runtime"));
  if (!mem) return nullptr;
  auto* rt = new (mem) Runtime(opt);
  if (!rt->init()) {
    destroy(rt);
    return nullptr;
  }
  return rt;
}

void Runtime::destroy(Runtime* rt) {
  if (!rt) return;
  bool system = rt->opt_.system_malloc;
  rt->~Runtime();
  if (system)
    std::free(rt);
  else
    hak_free(rt);
}

bool Runtime::init() {
  strtab_ =
      static_cast<String**>(raw_alloc(strtab_bytes(kInitialStrtab), HAK_SITE("vm.strtab"), false));
  stack =
      static_cast<Value*>(raw_alloc(kInitialStack * sizeof(Value), HAK_SITE("vm.stack"), false));
  if (!strtab_ || !stack) return false;
  std::memset(strtab_, 0, strtab_bytes(kInitialStrtab));
  strtab_size_ = kInitialStrtab;
  for (size_t i = 0; i < kInitialStack; ++i) stack[i] = Value();
  top = stack;
  stack_end = stack + kInitialStack;
  for (uint32_t i = 0; i < kNameCount; ++i)
    if (!(names_[i] = new_string(kNameText[i]))) return false;
  if (!(globals_ = new_map(64))) return false;
  bool ok = open_builtins(*this);
  clear_error();
  return ok;
}

Runtime::~Runtime() {
  while (Obj* o = all_) {
    all_ = o->next;
    free_object(o);  // strings need not leave the table: it goes next
  }
  free(strtab_, strtab_bytes(strtab_size_));
  free(stack, static_cast<size_t>(stack_end - stack) * sizeof(Value));
  free(frames, frames_cap * sizeof(Frame));
#if defined(HAK_DEBUG) && HAK_DEBUG
  if (bytes_ != 0) {  // an allocation counted but never freed (or freed with a wrong size)
    std::fprintf(stderr, "hako: runtime destroyed with %zu heap bytes unaccounted for\n", bytes_);
    std::abort();
  }
#endif
}

// ---- Objects ------------------------------------------------------------------------------

Array* Runtime::new_array(uint32_t cap) {
  Value* items = nullptr;
  if (cap && !(items = static_cast<Value*>(
                   alloc(size_t(cap) * sizeof(Value), HAK_SITE("vm.array.store"))))) {
    oom();
    return nullptr;
  }
  auto* a = static_cast<Array*>(alloc_object(sizeof(Array), kArray, HAK_SITE("vm.array")));
  if (!a) {
    free(items, size_t(cap) * sizeof(Value));
    return nullptr;
  }
  a->items = items;
  a->len = 0;
  a->cap = cap;
  a->gclist = nullptr;
  return a;
}

Map* Runtime::new_map(uint32_t cap) {
  if (cap > (1u << 30)) {
    error("map too large");
    return nullptr;
  }
  if (cap > 1) cap = 1u << (32 - __builtin_clz(cap - 1));
  MapEntry* store = nullptr;
  if (cap) {
    store = static_cast<MapEntry*>(alloc(map_store_bytes(cap), HAK_SITE("vm.map.store")));
    if (!store) {
      oom();
      return nullptr;
    }
  }
  auto* m = static_cast<Map*>(alloc_object(sizeof(Map), kMap, HAK_SITE("vm.map")));
  if (!m) {
    free(store, map_store_bytes(cap));
    return nullptr;
  }
  m->entries = store;
  m->used = m->count = 0;
  m->cap = cap;
  m->pad_ = 0;
  m->gclist = nullptr;
  if (cap > kMapLinear) std::memset(m->index(), 0xFF, size_t(cap) * 2 * map_index_width(cap));
  return m;
}

Proto* Runtime::new_proto() {
  auto* p = static_cast<Proto*>(alloc_object(sizeof(Proto), kProto, HAK_SITE("vm.proto")));
  if (!p) return nullptr;
  std::memset(reinterpret_cast<char*>(p) + sizeof(Obj), 0, sizeof(Proto) - sizeof(Obj));
  return p;
}

bool Runtime::proto_reserve(Proto* p, uint32_t ncode, uint32_t nconsts, uint32_t nprotos,
                            uint32_t nupvals, uint32_t nlines) {
  // One block, by alignment: field hints, constants, nested protos, line runs, code, upvalue
  // descriptions.
  size_t bytes = proto_block_bytes(ncode, nconsts, nprotos, nupvals, nlines);
  if (bytes == 0) return true;
  Local keep(*this, Value::object(p, kProto));
  auto* b = static_cast<char*>(alloc(bytes, HAK_SITE("vm.proto")));
  if (!b) return oom();
  std::memset(b, 0, bytes);  // nil constants, null protos, hints at entry 0
  p->consts = reinterpret_cast<Value*>(b + proto_hint_bytes(nconsts));
  p->protos = reinterpret_cast<Proto**>(p->consts + nconsts);
  p->lines = reinterpret_cast<LineRun*>(p->protos + nprotos);
  p->code = reinterpret_cast<uint32_t*>(p->lines + nlines);
  p->upvals = reinterpret_cast<UpvalDesc*>(p->code + ncode);
  p->ncode = ncode;
  p->nconsts = nconsts;
  p->nprotos = nprotos;
  p->nupvals = nupvals;
  p->nlines = nlines;
  return true;
}

Closure* Runtime::new_closure(Proto* p, uint32_t nupvals) {
  auto* c =
      static_cast<Closure*>(alloc_object(closure_bytes(nupvals), kClosure, HAK_SITE("vm.closure")));
  if (!c) return nullptr;
  c->extra = nupvals;
  c->proto = p;
  c->gclist = nullptr;
  for (uint32_t i = 0; i < nupvals; ++i) c->upvals()[i] = Value();
  return c;
}

Native* Runtime::new_native(NativeFn fn, std::string_view name, void* ud) {
  String* s = new_string(name);
  if (!s) return nullptr;
  Local keep(*this, Value::string(s));
  auto* n = static_cast<Native*>(alloc_object(sizeof(Native), kNative, HAK_SITE("vm.native")));
  if (!n) return nullptr;
  n->fn = fn;
  n->ud = ud;
  n->name = s;
  n->data = Value();
  n->gclist = nullptr;
  return n;
}

Box* Runtime::new_box(Value v) {
  Local keep(*this, v);
  auto* b = static_cast<Box*>(alloc_object(sizeof(Box), kBox, HAK_SITE("vm.box")));
  if (!b) return nullptr;
  b->value = v;
  return b;
}

// ---- Errors -------------------------------------------------------------------------------

bool Runtime::raise(Value v) {
  err_kind_ = ErrorKind::kError;
  err_value_ = v;
  return false;
}

bool Runtime::error(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  size_t len = static_cast<size_t>(n) < sizeof buf ? size_t(n) : sizeof buf - 1;
  String* s = new_string({buf, len});
  if (!s) return false;  // "out of memory" is pending instead
  return raise(Value::string(s));
}

bool Runtime::oom() {
  err_kind_ = ErrorKind::kMemory;
  err_value_ = names_[kName_out_of_memory] ? Value::string(names_[kName_out_of_memory]) : Value();
  return false;
}

bool Runtime::stack_overflow() {
  err_kind_ = ErrorKind::kStackOverflow;
  err_value_ = Value::string(names_[kName_stack_overflow]);
  return false;
}

bool Runtime::trace_entry(uint32_t i, TraceEntry* out) const {
  if (i < kTraceHead) {
    if (i >= trace_count_) return false;
    *out = trace_head_[i];
    return true;
  }
  // The tail keeps the last kTraceTail of the lines after the head.
  if (i >= trace_count_ || trace_count_ - i > kTraceTail) return false;
  *out = trace_tail_[(i - kTraceHead) % kTraceTail];
  return true;
}

bool Runtime::budget_exhausted() {
  budget = 0;
  err_kind_ = ErrorKind::kBudget;
  err_value_ = Value::string(names_[kName_budget_exhausted]);
  return false;
}

// ---- The stack and calls -----------------------------------------------------------------

bool Runtime::grow_stack(size_t n) {
  size_t size = static_cast<size_t>(stack_end - stack), used = top_index();
  size_t need = used + n;
  if (need > opt_.max_stack_slots) return stack_overflow();
  size_t cap = size * 2 > need ? size * 2 : need;
  if (cap > opt_.max_stack_slots) cap = opt_.max_stack_slots;
  auto* s = static_cast<Value*>(
      realloc(stack, size * sizeof(Value), cap * sizeof(Value), HAK_SITE("vm.stack")));
  if (!s) return oom();
  for (size_t i = size; i < cap; ++i) s[i] = Value();
  stack = s;
  top = s + used;
  stack_end = s + cap;
  return true;
}

bool Runtime::grow_frames() {
  if (nframes >= opt_.max_frames) return stack_overflow();
  uint32_t cap = frames_cap ? frames_cap * 2 : 32;
  if (cap > opt_.max_frames) cap = opt_.max_frames;
  auto* f = static_cast<Frame*>(
      realloc(frames, frames_cap * sizeof(Frame), cap * sizeof(Frame), HAK_SITE("vm.frames")));
  if (!f) return oom();
  frames = f;
  frames_cap = cap;
  return true;
}

bool Runtime::grow_stack_keep(Value v) {
  Local keep(*this, v);
  return grow_stack(1);
}

bool Runtime::call(uint32_t func_slot, uint32_t nargs, Value* ret) {
  HAKO_VM_ASSERT(top_index() == func_slot + 1 + nargs);
  Value r;
  bool ok;
  if (c_depth_ >= opt_.max_native_depth) {
    ok = stack_overflow();
  } else {
    ++c_depth_;
    Value f = stack[func_slot];
    if (f.is_native())
      ok = f.as_native()->fn(*this, Args(*this, func_slot + 1, nargs), &r);
    else if (f.is_closure() && call_hook_)
      ok = call_hook_(*this, func_slot, nargs, &r);
    else if (f.is_closure())
      ok = error("cannot call a closure: no interpreter is attached");
    else
      ok = error("cannot call %s", type_name(f));
    --c_depth_;
  }
  if (ok) {
    stack[func_slot] = r;
    top = stack + func_slot + 1;
  } else {
    top = stack + func_slot;
  }
  if (ret) *ret = r;
  return ok;
}

bool Runtime::call_value(Value fn, std::initializer_list<Value> args, Value* ret) {
  uint32_t slot = top_index();
  if (!ensure_stack(1 + args.size())) return false;
  *top++ = fn;
  for (Value a : args) *top++ = a;
  bool ok = call(slot, static_cast<uint32_t>(args.size()), ret);
  top = stack + slot;
  return ok;
}

// ---- Globals ------------------------------------------------------------------------------

bool Runtime::set_global(std::string_view name, Value v) {
  Local keep(*this, v);
  String* k = new_string(name);
  return k && map_set(*this, globals_, Value::string(k), v);
}

Value Runtime::get_global(std::string_view name) {
  String* k = new_string(name);
  if (!k) {
    clear_error();
    return Value();
  }
  return map_get(*this, globals_, Value::string(k));
}

bool Runtime::register_native(Map* into, const char* prefix, const char* name, NativeFn fn,
                              void* ud) {
  char full[96];
  std::snprintf(full, sizeof full, "%s%s", prefix, name);
  Local keep_map(*this, Value::map(into));
  Native* n = new_native(fn, full, ud);
  if (!n) return false;
  Local keep_n(*this, Value::native(n));
  String* k = new_string(name);
  return k && map_set(*this, into, Value::string(k), Value::native(n));
}

void Runtime::set_output(OutputFn fn, void* ud) {
  output_ = fn ? fn : write_stdout;
  output_ud_ = ud;
}

// ---- Args ---------------------------------------------------------------------------------

std::string_view Args::name() const {
  Value f = rt_->stack[base_ - 1];
  if (f.is_native()) return f.as_native()->name->view();
  return "?";
}

bool Args::bad_arg(uint32_t i, const char* fmt, ...) const {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  std::string_view f = name();
  return rt_->error("bad argument #%u to '%.*s' (%s)", i + 1, static_cast<int>(f.size()), f.data(),
                    msg);
}

bool Args::bad_type(uint32_t i, const char* expected) const {
  return bad_arg(i, "%s expected, got %s", expected, i < n_ ? type_name((*this)[i]) : "no value");
}

bool Args::get_int(uint32_t i, int64_t* out) const {
  Value v = (*this)[i];
  if (v.is_int()) {
    *out = v.i;
    return true;
  }
  if (v.is_float()) {
    if (float_to_int(v.f, out)) return true;
    return bad_arg(i, "number has no integer representation");
  }
  return bad_type(i, "int");
}

bool Args::get_number(uint32_t i, double* out) const {
  Value v = (*this)[i];
  if (!v.is_number()) return bad_type(i, "number");
  *out = v.as_number();
  return true;
}

bool Args::get_string(uint32_t i, String** out) const {
  Value v = (*this)[i];
  if (!v.is_string()) return bad_type(i, "string");
  *out = v.as_string();
  return true;
}

bool Args::get_array(uint32_t i, Array** out) const {
  Value v = (*this)[i];
  if (!v.is_array()) return bad_type(i, "array");
  *out = v.as_array();
  return true;
}

bool Args::get_map(uint32_t i, Map** out) const {
  Value v = (*this)[i];
  if (!v.is_map()) return bad_type(i, "map");
  *out = v.as_map();
  return true;
}

bool Args::get_function(uint32_t i, Value* out) const {
  Value v = (*this)[i];
  if (!v.is_function()) return bad_type(i, "function");
  *out = v;
  return true;
}

bool Args::opt_int(uint32_t i, int64_t def, int64_t* out) const {
  if ((*this)[i].is_nil()) {
    *out = def;
    return true;
  }
  return get_int(i, out);
}

}  // namespace hako::vm

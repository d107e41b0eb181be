// The embedding API (include/hako.h) over vm::Runtime. A hako_vm owns one runtime, a table
// of handle slots the collector marks (the root hook), the host functions' records and the
// last error as text. The handle table and the host functions' records come from the
// runtime (rt.alloc), so heap_bytes counts them and the memory limit covers them; the error
// text comes from the backend directly, so that an "out of memory" can be described
// without passing the limit. hako_destroy frees all of it. Nothing here throws or longjmps:
// failures are statuses, and the runtime's pending error is turned into the VM's last error (and
// cleared) before the API call returns.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

#include "hako.h"
#include "vm/array.h"
#include "vm/buffer.h"
#include "vm/compile.h"
#include "vm/interp.h"
#include "vm/map.h"
#include "vm/print.h"

namespace vm = hako::vm;
using vm::Value;

namespace {

// A handle: the VM's tag (16 bits), the slot's generation (16 bits), slot index + 1.
struct Slot {
  Value v;
  uint16_t gen;
  bool live;
  uint32_t next_free;  // when not live
};
constexpr uint32_t kNoSlot = UINT32_MAX;

struct HostFn {
  hako_host_fn fn;
  void* ud;
  HostFn* next;
};

// The modules a config may leave out (io is never registered; the others are set to nil).
struct ModuleName {
  uint32_t bit;
  const char* name;
};
constexpr ModuleName kModules[] = {{HAKO_MODULE_MATH, "math"},
                                   {HAKO_MODULE_STRING, "string"},
                                   {HAKO_MODULE_JSON, "json"},
                                   {HAKO_MODULE_IO, "io"},
                                   {HAKO_MODULE_GC, "gc"}};

// Text owned by the VM (error message, traceback), from the runtime's heap.
struct Text {
  char* data = nullptr;
  size_t cap = 0;
};

}  // namespace

struct hako_vm {
  vm::Runtime* rt = nullptr;
  bool system = false;
  uint16_t tag = 1;
  uint32_t modules = HAKO_MODULES_ALL;
  void* user_data = nullptr;

  Slot* slots = nullptr;
  uint32_t nslots = 0, cap = 0, free_head = kNoSlot, live = 0;

  HostFn* fns = nullptr;
  uint32_t depth = 0;  // host functions running

  // The last failure.
  hako_status err_status = HAKO_OK;
  Text msg, tb;
  Value err_value;
  vm::ErrorKind err_kind = vm::ErrorKind::kNone;
  uint64_t err_serial = 0;  // script errors taken so far

  // What a host function raised (hako_raise*), taken when it returns.
  bool raised = false;
  Value raise_value;
  vm::ErrorKind raise_kind = vm::ErrorKind::kNone;
};

namespace {

const char kEmpty[] = "";

void mark_roots(vm::Runtime& rt, void* ud) {
  auto* v = static_cast<hako_vm*>(ud);
  for (uint32_t i = 0; i < v->nslots; ++i)
    if (v->slots[i].live) rt.mark_value(v->slots[i].v);
  rt.mark_value(v->err_value);
  rt.mark_value(v->raise_value);
}

// ---- The last error ----------------------------------------------------------------------

// Copies s into t (NUL-terminated).
bool set_text(hako_vm* v, Text* t, std::string_view s) {
  if (s.size() + 1 > t->cap) {
    size_t cap = s.size() + 1 < 64 ? 64 : s.size() + 1;
    // Outside the runtime's count, so that describing an "out of memory" leaves the heap
    // within the limit.
    auto* p = static_cast<char*>(v->system ? std::realloc(t->data, cap)
                                           : hak_realloc_at(t->data, cap, HAK_SITE("hako.error")));
    if (!p) return false;
    t->data = p;
    t->cap = cap;
  }
  std::memcpy(t->data, s.data(), s.size());
  t->data[s.size()] = '\0';
  return true;
}

// Runs f with the memory limit and the budget lifted (describing an error must not fail
// for the reason the error happened).
template <class F>
void unlimited(vm::Runtime& rt, F f) {
  size_t limit = rt.options().memory_limit;
  int64_t budget = rt.budget;
  rt.set_memory_limit(0);
  rt.set_budget(-1);
  f();
  rt.set_memory_limit(limit);
  rt.budget = budget;
}

void clear_text(Text* t) {
  if (t->data) t->data[0] = '\0';
}

// A misuse (or an I/O error): the status and a message, no error value.
hako_status fail(hako_vm* v, hako_status st, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
hako_status fail(hako_vm* v, hako_status st, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  size_t len = n < 0 ? 0 : static_cast<size_t>(n) < sizeof buf ? size_t(n) : sizeof buf - 1;
  v->err_status = st;
  v->err_value = Value();
  v->err_kind = vm::ErrorKind::kNone;
  unlimited(*v->rt, [&] {
    if (!set_text(v, &v->msg, {buf, len})) clear_text(&v->msg);
  });
  clear_text(&v->tb);
  return st;
}

hako_status status_of(vm::ErrorKind k) {
  switch (k) {
    case vm::ErrorKind::kMemory:
      return HAKO_ERR_MEMORY;
    case vm::ErrorKind::kStackOverflow:
      return HAKO_ERR_STACK_OVERFLOW;
    case vm::ErrorKind::kBudget:
      return HAKO_ERR_BUDGET;
    default:
      return HAKO_ERR_RUNTIME;
  }
}

// The runtime's pending error becomes the VM's last error (message, traceback, value) and
// is cleared, so that the runtime is ready for the next call.
hako_status take_error(hako_vm* v) {
  vm::Runtime& rt = *v->rt;
  v->err_kind = rt.error_kind();
  v->err_status = status_of(v->err_kind);
  ++v->err_serial;
  v->err_value = rt.error_value();
  unlimited(rt, [&] {
    vm::Buffer b(rt);
    if (vm::append_value(rt, b, v->err_value) && set_text(v, &v->msg, b.view())) {
      b.clear();
      if (vm::append_traceback(rt, b) && set_text(v, &v->tb, b.view())) return;
    } else {
      const char* name = hako_status_name(v->err_status);
      if (!set_text(v, &v->msg, name)) clear_text(&v->msg);
    }
    clear_text(&v->tb);
  });
  rt.clear_error();
  // The unwound frames' registers are dead, but a frame pushed later over those slots
  // would keep their values alive (registers are roots) until it returns — the garbage of
  // an "out of memory" would still fill the heap when the next run needs room.
  for (Value* p = rt.top; p < rt.stack_end; ++p) *p = Value();
  return v->err_status;
}

// Raises an error of kind k with value e in the runtime (to propagate it from a host fn).
bool reraise(vm::Runtime& rt, vm::ErrorKind k, Value e) {
  switch (k) {
    case vm::ErrorKind::kMemory:
      return rt.oom();
    case vm::ErrorKind::kStackOverflow:
      return rt.stack_overflow();
    case vm::ErrorKind::kBudget:
      return rt.budget_exhausted();
    default:
      return rt.raise(e);
  }
}

// ---- Handles -----------------------------------------------------------------------------

hako_handle make_handle(const hako_vm* v, uint32_t i) {
  return (uint64_t{v->tag} << 48) | (uint64_t{v->slots[i].gen} << 32) | (uint64_t{i} + 1);
}

// The slot of a live handle of this VM, or nullptr.
Slot* slot_of(hako_vm* v, hako_handle h) {
  uint64_t i = (h & 0xFFFFFFFFu);
  if (i == 0 || i > v->nslots || (h >> 48) != v->tag) return nullptr;
  Slot* s = &v->slots[i - 1];
  if (!s->live || s->gen != ((h >> 32) & 0xFFFF)) return nullptr;
  return s;
}

// A new slot holding nil; false (with HAKO_ERR_MEMORY as the last error) when the table
// cannot grow. Taking the slot before creating the value it will hold keeps that value
// rooted from the moment it exists.
bool new_slot(hako_vm* v, uint32_t* out) {
  if (v->free_head == kNoSlot) {
    if (v->nslots == v->cap) {
      uint32_t cap = v->cap ? v->cap * 2 : 16;
      auto* p =
          v->cap >= (1u << 30)  // 2^30 live handles: the table is as large as it gets
              ? nullptr
              : static_cast<Slot*>(v->rt->realloc(v->slots, v->cap * sizeof(Slot),
                                                  cap * sizeof(Slot), HAK_SITE("hako.handles")));
      if (!p) {
        v->rt->oom();
        take_error(v);
        return false;
      }
      v->slots = p;
      v->cap = cap;
    }
    v->slots[v->nslots] = Slot{Value(), 1, false, kNoSlot};
    v->free_head = v->nslots++;
  }
  uint32_t i = v->free_head;
  Slot& s = v->slots[i];
  v->free_head = s.next_free;
  s.live = true;
  s.v = Value();
  ++v->live;
  *out = i;
  return true;
}

void free_slot(hako_vm* v, uint32_t i) {
  Slot& s = v->slots[i];
  s.live = false;
  s.v = Value();
  s.gen = static_cast<uint16_t>(s.gen + 1 ? s.gen + 1 : 1);
  s.next_free = v->free_head;
  v->free_head = i;
  --v->live;
}

// A handle for value x (which must be rooted until then).
hako_status handle_for(hako_vm* v, Value x, hako_handle* out) {
  vm::Local keep(*v->rt, x);
  uint32_t i;
  if (!new_slot(v, &i)) return v->err_status;
  v->slots[i].v = x;
  *out = make_handle(v, i);
  return HAKO_OK;
}

const char* type_text(Value x) { return vm::type_name(x); }

// The checks every entry point starts with.
#define CHECK_VM(v) \
  if (!(v)) return HAKO_ERR_NULL
#define CHECK_PTR(v, p, fn) \
  if (!(p)) return fail(v, HAKO_ERR_NULL, "%s: a NULL pointer argument", fn)

hako_status value_of(hako_vm* v, hako_handle h, Value* out, const char* fn) {
  Slot* s = slot_of(v, h);
  if (!s)
    return fail(v, HAKO_ERR_HANDLE, "%s: handle %#llx is not live in this VM", fn,
                static_cast<unsigned long long>(h));
  *out = s->v;
  return HAKO_OK;
}

hako_status want(hako_vm* v, Value x, bool ok, const char* fn, const char* expected) {
  if (ok) return HAKO_OK;
  return fail(v, HAKO_ERR_TYPE, "%s: %s expected, got %s", fn, expected, type_text(x));
}

// ---- Host functions ----------------------------------------------------------------------

bool host_call(vm::Runtime& rt, vm::Args args, Value* ret) {
  auto* v = static_cast<hako_vm*>(rt.host);
  auto* f = static_cast<HostFn*>(args.callee()->ud);
  std::string_view name = args.name();
  uint32_t n = args.size();
  // The argument handles: a few inline, more from the runtime's heap.
  hako_handle inline_argv[8];
  hako_handle* argv = inline_argv;
  size_t argv_bytes = n > 8 ? n * sizeof(hako_handle) : 0;
  if (argv_bytes &&
      !(argv = static_cast<hako_handle*>(rt.alloc(argv_bytes, HAK_SITE("hako.args")))))
    return rt.oom();
  uint32_t made = 0;
  bool ok = true;
  for (; made < n; ++made) {
    uint32_t i;
    if (!new_slot(v, &i)) {
      ok = false;
      break;
    }
    v->slots[i].v = args[made];
    argv[made] = make_handle(v, i);
  }
  hako_handle result = HAKO_NO_HANDLE;
  hako_status st = HAKO_ERR_MEMORY;
  bool saved_raised = v->raised;
  v->raised = false;
  uint64_t serial = v->err_serial;
  if (ok) {
    ++v->depth;
    st = f->fn(v, f->ud, static_cast<int>(n), argv, &result);
    --v->depth;
  }
  // The result first: it may be one of the arguments (`*result = argv[0]`).
  Slot* rs = slot_of(v, result);
  Value r = rs ? rs->v : Value();
  if (rs) free_slot(v, static_cast<uint32_t>(rs - v->slots));
  for (uint32_t k = 0; k < made; ++k)
    if (Slot* s = slot_of(v, argv[k])) free_slot(v, static_cast<uint32_t>(s - v->slots));
  if (argv_bytes) rt.free(argv, argv_bytes);  // frees only: r needs no root
  bool raised = v->raised;
  v->raised = saved_raised;
  if (!ok) return rt.oom();
  if (st == HAKO_OK && raised) st = HAKO_ERR_RUNTIME;
  if (st == HAKO_OK) {
    if (result != HAKO_NO_HANDLE && !rs)
      return rt.error("host function '%.*s' returned a handle that is not live",
                      static_cast<int>(name.size()), name.data());
    *ret = r;
    return true;
  }
  if (raised) {
    Value e = v->raise_value;
    v->raise_value = Value();
    return reraise(rt, v->raise_kind, e);
  }
  // The status of a call back into the VM that failed: its error goes on.
  if (v->err_serial != serial && st == v->err_status && v->err_kind != vm::ErrorKind::kNone)
    return reraise(rt, v->err_kind, v->err_value);
  if (st == HAKO_ERR_BUDGET) return rt.budget_exhausted();
  if (st == HAKO_ERR_MEMORY) return rt.oom();
  if (st == HAKO_ERR_STACK_OVERFLOW) return rt.stack_overflow();
  return rt.error("host function '%.*s' failed (%s)", static_cast<int>(name.size()), name.data(),
                  hako_status_name(st));
}

hako_status new_function(hako_vm* v, const char* name, hako_host_fn fn, void* ud,
                         hako_handle* out) {
  auto* rec = static_cast<HostFn*>(v->rt->alloc(sizeof(HostFn), HAK_SITE("hako.host_fn")));
  if (!rec) {
    v->rt->oom();
    return take_error(v);
  }
  *rec = HostFn{fn, ud, v->fns};
  v->fns = rec;
  uint32_t i;
  if (!new_slot(v, &i)) return v->err_status;
  vm::Native* nat = v->rt->new_native(host_call, name, rec);
  if (!nat) {
    free_slot(v, i);
    return take_error(v);
  }
  v->slots[i].v = Value::native(nat);
  *out = make_handle(v, i);
  return HAKO_OK;
}

// ---- Running ------------------------------------------------------------------------------

// The names a chunk may use as globals: every global there is but the modules left out.
bool compile_globals(
    hako_vm* v,
    std::vector<std::string_view, hak::allocator<std::string_view, "hako.compile">>* out) {
  vm::Map* g = v->rt->globals();
  for (uint32_t i = 0; i < g->used; ++i) {
    const vm::MapEntry& e = g->entries[i];
    if (!e.live() || e.key_tag != vm::kString) continue;
    std::string_view name = reinterpret_cast<vm::String*>(e.key_bits)->view();
    bool left_out = false;
    for (const ModuleName& m : kModules)
      if (!(v->modules & m.bit) && name == m.name && e.val_tag == vm::kNil) left_out = true;
    if (!left_out) out->push_back(name);
  }
  return true;
}

hako_status run_source(hako_vm* v, const char* chunk, std::string_view source,
                       hako_handle* result) {
  vm::Runtime& rt = *v->rt;
  // The lexer needs a NUL byte after the text.
  auto* text = static_cast<char*>(hak_alloc_at(source.size() + 1, HAK_SITE("hako.source")));
  if (!text) return fail(v, HAKO_ERR_MEMORY, "out of memory (copying the source)");
  std::memcpy(text, source.data(), source.size());
  text[source.size()] = '\0';
  hako::bc::Unit unit;
  hako::Errors errors;
  bool compiled;
  {
    std::vector<std::string_view, hak::allocator<std::string_view, "hako.compile">> names;
    compile_globals(v, &names);
    hako::CompileOptions co;
    co.builtins = {};
    co.globals = names;
    compiled = hako::compile(chunk, {text, source.size()}, &unit, &errors, co);
  }
  hak_free(text);
  if (!compiled) {
    v->err_status = HAKO_ERR_COMPILE;
    v->err_value = Value();
    v->err_kind = vm::ErrorKind::kNone;
    unlimited(rt, [&] {
      vm::Buffer b(rt);
      bool ok = true;
      for (const hako::Error& e : errors) {
        char buf[512];
        size_t n = hako::format_error(e, chunk, false, buf, sizeof buf);
        if (n >= sizeof buf) n = sizeof buf - 1;
        ok = ok && (b.size() == 0 || b.append('\n')) && b.append({buf, n});
      }
      if (!ok || !set_text(v, &v->msg, b.view())) clear_text(&v->msg);
    });
    rt.clear_error();
    clear_text(&v->tb);
    return HAKO_ERR_COMPILE;
  }
  uint32_t slot = kNoSlot;
  if (result && !new_slot(v, &slot)) return v->err_status;
  Value ret;
  if (!vm::load(rt, unit) || !vm::run_loaded(rt, &ret)) {
    if (slot != kNoSlot) free_slot(v, slot);
    return take_error(v);
  }
  if (result) {
    v->slots[slot].v = ret;
    *result = make_handle(v, slot);
  }
  return HAKO_OK;
}

hako_status call_value(hako_vm* v, Value fn, int argc, const hako_handle* argv, hako_handle* result,
                       const char* api) {
  vm::Runtime& rt = *v->rt;
  if (argc < 0) return fail(v, HAKO_ERR_ARG, "%s: argc is negative", api);
  if (argc > 0 && !argv) return fail(v, HAKO_ERR_NULL, "%s: argv is NULL", api);
  if (!fn.is_function()) return fail(v, HAKO_ERR_TYPE, "%s: cannot call %s", api, type_text(fn));
  for (int i = 0; i < argc; ++i) {
    Value x;
    if (hako_status st = value_of(v, argv[i], &x, api)) return st;
  }
  uint32_t slot = kNoSlot;
  if (result && !new_slot(v, &slot)) return v->err_status;
  uint32_t base = rt.top_index();
  vm::Local keep(rt, fn);
  if (!rt.ensure_stack(1 + static_cast<size_t>(argc))) {
    if (slot != kNoSlot) free_slot(v, slot);
    return take_error(v);
  }
  *rt.top++ = fn;
  for (int i = 0; i < argc; ++i) *rt.top++ = slot_of(v, argv[i])->v;
  Value ret;
  bool ok = rt.call(base, static_cast<uint32_t>(argc), &ret);
  rt.top = rt.stack + base;
  if (!ok) {
    if (slot != kNoSlot) free_slot(v, slot);
    return take_error(v);
  }
  if (result) {
    v->slots[slot].v = ret;
    *result = make_handle(v, slot);
  }
  return HAKO_OK;
}

bool bad_name(const char* name) { return !name || !*name; }

// A new object in a new handle's slot: the slot first, so that a full handle table fails
// before anything is allocated; `make` returns the object's value, or nil when it failed
// (out of memory: the runtime's error).
template <class Make>
hako_status new_object(hako_vm* v, hako_handle* out, Make make) {
  uint32_t i;
  if (!new_slot(v, &i)) return v->err_status;
  Value val = make();
  if (val.is_nil()) {
    free_slot(v, i);
    return take_error(v);
  }
  v->slots[i].v = val;
  *out = make_handle(v, i);
  return HAKO_OK;
}

}  // namespace

// ---- The C ABI ---------------------------------------------------------------------------

extern "C" {

const char* hako_status_name(int st) {
  switch (st) {
#define HAKO_STATUS_CASE(s) \
  case s:                   \
    return #s;
    HAKO_STATUS_CASE(HAKO_OK)
    HAKO_STATUS_CASE(HAKO_END)
    HAKO_STATUS_CASE(HAKO_ERR_RUNTIME)
    HAKO_STATUS_CASE(HAKO_ERR_COMPILE)
    HAKO_STATUS_CASE(HAKO_ERR_MEMORY)
    HAKO_STATUS_CASE(HAKO_ERR_BUDGET)
    HAKO_STATUS_CASE(HAKO_ERR_STACK_OVERFLOW)
    HAKO_STATUS_CASE(HAKO_ERR_IO)
    HAKO_STATUS_CASE(HAKO_ERR_NULL)
    HAKO_STATUS_CASE(HAKO_ERR_ARG)
    HAKO_STATUS_CASE(HAKO_ERR_TYPE)
    HAKO_STATUS_CASE(HAKO_ERR_HANDLE)
    HAKO_STATUS_CASE(HAKO_ERR_RANGE)
    HAKO_STATUS_CASE(HAKO_ERR_NOT_FOUND)
    HAKO_STATUS_CASE(HAKO_ERR_STATE)
    HAKO_STATUS_CASE(HAKO_ERR_VERSION)
#undef HAKO_STATUS_CASE
    default:
      return "unknown";
  }
}

void hako_config_init(hako_config* cfg) {
  if (!cfg) return;
  std::memset(cfg, 0, sizeof *cfg);
  cfg->size = sizeof *cfg;
  cfg->version = HAKO_API_VERSION;
  cfg->backend = HAKO_BACKEND_HAKMEM;
  cfg->memory_limit = 0;
  cfg->budget = -1;
  cfg->modules = HAKO_MODULES_ALL;
}

hako_status hako_create(const hako_config* user_cfg, hako_vm** out) {
  if (!out) return HAKO_ERR_NULL;
  *out = nullptr;
  hako_config cfg;
  hako_config_init(&cfg);
  if (user_cfg) {
    // A config of an older version is shorter: its fields are read, the newer ones keep
    // their defaults. (Version 1 is the first: its size is the whole struct.)
    constexpr size_t kConfigV1Size = sizeof(hako_config);
    if (user_cfg->size < kConfigV1Size || user_cfg->size > sizeof cfg || user_cfg->version < 1 ||
        user_cfg->version > HAKO_API_VERSION)
      return HAKO_ERR_VERSION;
    std::memcpy(&cfg, user_cfg, user_cfg->size);
  }
  if ((cfg.backend != HAKO_BACKEND_HAKMEM && cfg.backend != HAKO_BACKEND_SYSTEM) ||
      (cfg.modules & ~uint32_t{HAKO_MODULES_ALL}))
    return HAKO_ERR_ARG;
  bool system = cfg.backend == HAKO_BACKEND_SYSTEM;
  void* mem =
      system ? std::malloc(sizeof(hako_vm)) : hak_alloc_at(sizeof(hako_vm), HAK_SITE("hako.vm"));
  if (!mem) return HAKO_ERR_MEMORY;
  auto* v = new (mem) hako_vm();
  v->system = system;
  v->modules = cfg.modules;
  // A tag from the VM's address, so that a handle of another VM is (almost always) refused.
  auto a = reinterpret_cast<uintptr_t>(v);
  v->tag = static_cast<uint16_t>((a >> 4) ^ (a >> 20) ^ (a >> 36));
  if (v->tag == 0) v->tag = 1;
  vm::RuntimeOptions ro;
  ro.memory_limit = cfg.memory_limit;
  ro.budget = cfg.budget;
  ro.io = (cfg.modules & HAKO_MODULE_IO) != 0;
  ro.output = cfg.output;
  ro.output_ud = cfg.output_ud;
  ro.random_seed = cfg.random_seed;
  ro.system_malloc = system;
  ro.gc_stress = cfg.gc_stress > 0;
  ro.gc_stress_every = cfg.gc_stress ? cfg.gc_stress : 1;
  v->rt = vm::Runtime::create(ro);
  bool ok = v->rt != nullptr;
  if (ok) {
    v->rt->host = v;
    v->rt->set_root_hook(mark_roots, v);
    for (const ModuleName& m : kModules)
      if (!(cfg.modules & m.bit) && m.bit != HAKO_MODULE_IO && !v->rt->set_global(m.name, Value()))
        ok = false;
  }
  if (!ok) {
    hako_destroy(v);
    return HAKO_ERR_MEMORY;
  }
  *out = v;
  return HAKO_OK;
}

hako_status hako_destroy(hako_vm* v) {
  if (!v) return HAKO_OK;
  if (v->depth) return fail(v, HAKO_ERR_STATE, "hako_destroy: called from a host function");
  if (vm::Runtime* rt = v->rt) {
    rt->free(v->slots, v->cap * sizeof(Slot));
    for (HostFn* f = v->fns; f;) {
      HostFn* next = f->next;
      rt->free(f, sizeof(HostFn));
      f = next;
    }
    vm::Runtime::destroy(rt);
  }
  bool system = v->system;
  for (Text* t : {&v->msg, &v->tb}) {
    if (system)
      std::free(t->data);
    else
      hak_free(t->data);
  }
  v->~hako_vm();
  if (system)
    std::free(v);
  else
    hak_free(v);
  return HAKO_OK;
}

void hako_set_user_data(hako_vm* v, void* ud) {
  if (v) v->user_data = ud;
}
void* hako_user_data(hako_vm* v) { return v ? v->user_data : nullptr; }

hako_status hako_set_memory_limit(hako_vm* v, size_t bytes) {
  CHECK_VM(v);
  v->rt->set_memory_limit(bytes);
  return HAKO_OK;
}

hako_status hako_set_budget(hako_vm* v, int64_t units) {
  CHECK_VM(v);
  v->rt->set_budget(units);
  return HAKO_OK;
}

int64_t hako_budget_left(hako_vm* v) {
  if (!v) return 0;
  return v->rt->budget < 0 ? 0 : v->rt->budget;
}

hako_status hako_get_stats(hako_vm* v, hako_stats* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_get_stats");
  vm::GcStats s = v->rt->gc_stats();
  out->heap_bytes = s.heap_bytes;
  out->objects = s.objects;
  out->gc_cycles = s.cycles;
  out->gc_pause_ms_total = s.pause_ms_total;
  out->handles = v->live;
  return HAKO_OK;
}

hako_status hako_collect(hako_vm* v) {
  CHECK_VM(v);
  v->rt->collect();
  return HAKO_OK;
}

// ---- Handles and values

hako_type hako_typeof(hako_vm* v, hako_handle h) {
  if (!v) return HAKO_TYPE_INVALID;
  Slot* s = slot_of(v, h);
  if (!s) return HAKO_TYPE_INVALID;
  switch (s->v.tag) {
    case vm::kNil:
      return HAKO_TYPE_NIL;
    case vm::kFalse:
    case vm::kTrue:
      return HAKO_TYPE_BOOL;
    case vm::kInt:
      return HAKO_TYPE_INT;
    case vm::kFloat:
      return HAKO_TYPE_FLOAT;
    case vm::kString:
      return HAKO_TYPE_STRING;
    case vm::kArray:
      return HAKO_TYPE_ARRAY;
    case vm::kMap:
      return HAKO_TYPE_MAP;
    default:
      return HAKO_TYPE_FUNCTION;
  }
}

hako_status hako_release(hako_vm* v, hako_handle h) {
  CHECK_VM(v);
  if (h == HAKO_NO_HANDLE) return HAKO_OK;
  Slot* s = slot_of(v, h);
  if (!s)
    return fail(v, HAKO_ERR_HANDLE, "hako_release: handle %#llx is not live in this VM",
                static_cast<unsigned long long>(h));
  free_slot(v, static_cast<uint32_t>(s - v->slots));
  return HAKO_OK;
}

hako_status hako_dup(hako_vm* v, hako_handle h, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_dup");
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_dup")) return st;
  return handle_for(v, x, out);
}

hako_status hako_new_nil(hako_vm* v, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_nil");
  return handle_for(v, Value(), out);
}

hako_status hako_new_bool(hako_vm* v, int b, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_bool");
  return handle_for(v, Value::boolean(b != 0), out);
}

hako_status hako_new_int(hako_vm* v, int64_t i, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_int");
  return handle_for(v, Value::integer(i), out);
}

hako_status hako_new_float(hako_vm* v, double f, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_float");
  return handle_for(v, Value::number(f), out);
}

hako_status hako_new_string(hako_vm* v, const char* s, size_t len, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_string");
  if (!s && len) return fail(v, HAKO_ERR_NULL, "hako_new_string: NULL bytes");
  return new_object(v, out, [&] {
    vm::String* str = v->rt->new_string({s ? s : "", len});
    return str ? Value::string(str) : Value::nil();
  });
}

hako_status hako_new_array(hako_vm* v, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_array");
  return new_object(v, out, [&] {
    vm::Array* a = v->rt->new_array();
    return a ? Value::array(a) : Value::nil();
  });
}

hako_status hako_new_map(hako_vm* v, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_new_map");
  return new_object(v, out, [&] {
    vm::Map* m = v->rt->new_map();
    return m ? Value::map(m) : Value::nil();
  });
}

hako_status hako_get_bool(hako_vm* v, hako_handle h, int* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_get_bool");
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_get_bool")) return st;
  if (hako_status st = want(v, x, x.is_bool(), "hako_get_bool", "bool")) return st;
  *out = x.as_bool();
  return HAKO_OK;
}

hako_status hako_get_int(hako_vm* v, hako_handle h, int64_t* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_get_int");
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_get_int")) return st;
  if (x.is_int()) {
    *out = x.i;
    return HAKO_OK;
  }
  if (x.is_float()) {
    if (vm::float_to_int(x.f, out)) return HAKO_OK;
    return fail(v, HAKO_ERR_TYPE, "hako_get_int: the float %g has no integer representation", x.f);
  }
  return want(v, x, false, "hako_get_int", "int");
}

hako_status hako_get_float(hako_vm* v, hako_handle h, double* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_get_float");
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_get_float")) return st;
  if (hako_status st = want(v, x, x.is_number(), "hako_get_float", "number")) return st;
  *out = x.as_number();
  return HAKO_OK;
}

hako_status hako_get_string(hako_vm* v, hako_handle h, const char** data, size_t* len) {
  CHECK_VM(v);
  CHECK_PTR(v, data, "hako_get_string");
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_get_string")) return st;
  if (hako_status st = want(v, x, x.is_string(), "hako_get_string", "string")) return st;
  *data = x.as_string()->data();
  if (len) *len = x.as_string()->size();
  return HAKO_OK;
}

// ---- Arrays

namespace {
hako_status array_of(hako_vm* v, hako_handle h, vm::Array** out, const char* fn) {
  Value x;
  if (hako_status st = value_of(v, h, &x, fn)) return st;
  if (hako_status st = want(v, x, x.is_array(), fn, "array")) return st;
  *out = x.as_array();
  return HAKO_OK;
}
hako_status map_of(hako_vm* v, hako_handle h, vm::Map** out, const char* fn) {
  Value x;
  if (hako_status st = value_of(v, h, &x, fn)) return st;
  if (hako_status st = want(v, x, x.is_map(), fn, "map")) return st;
  *out = x.as_map();
  return HAKO_OK;
}
}  // namespace

hako_status hako_array_length(hako_vm* v, hako_handle array, size_t* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_array_length");
  vm::Array* a;
  if (hako_status st = array_of(v, array, &a, "hako_array_length")) return st;
  *out = a->len;
  return HAKO_OK;
}

hako_status hako_array_get(hako_vm* v, hako_handle array, size_t index, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_array_get");
  vm::Array* a;
  if (hako_status st = array_of(v, array, &a, "hako_array_get")) return st;
  if (index >= a->len)
    return fail(v, HAKO_ERR_RANGE, "hako_array_get: index %zu out of range for array of length %u",
                index, a->len);
  return handle_for(v, a->items[index], out);
}

hako_status hako_array_set(hako_vm* v, hako_handle array, size_t index, hako_handle h) {
  CHECK_VM(v);
  vm::Array* a;
  if (hako_status st = array_of(v, array, &a, "hako_array_set")) return st;
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_array_set")) return st;
  if (index > a->len)
    return fail(v, HAKO_ERR_RANGE, "hako_array_set: index %zu out of range for array of length %u",
                index, a->len);
  if (index == a->len) return vm::array_push(*v->rt, a, x) ? HAKO_OK : take_error(v);
  a->items[index] = x;
  return HAKO_OK;
}

hako_status hako_array_push(hako_vm* v, hako_handle array, hako_handle h) {
  CHECK_VM(v);
  vm::Array* a;
  if (hako_status st = array_of(v, array, &a, "hako_array_push")) return st;
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_array_push")) return st;
  return vm::array_push(*v->rt, a, x) ? HAKO_OK : take_error(v);
}

// ---- Maps

hako_status hako_map_length(hako_vm* v, hako_handle map, size_t* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_map_length");
  vm::Map* m;
  if (hako_status st = map_of(v, map, &m, "hako_map_length")) return st;
  *out = m->count;
  return HAKO_OK;
}

namespace {
hako_status map_get(hako_vm* v, vm::Map* m, Value key, hako_handle* out, const char* fn) {
  uint32_t i;
  if (!new_slot(v, &i)) return v->err_status;
  Value val;
  if (!vm::map_get(*v->rt, m, key, &val)) {
    free_slot(v, i);
    return fail(v, HAKO_ERR_NOT_FOUND, "%s: no such key", fn);
  }
  v->slots[i].v = val;
  *out = make_handle(v, i);
  return HAKO_OK;
}
hako_status map_set(hako_vm* v, vm::Map* m, Value key, Value x, const char* fn) {
  Value k = key;
  if (int bad = vm::normalize_key(&k))
    return fail(v, HAKO_ERR_ARG, "%s: a map key cannot be %s", fn, bad == 1 ? "nil" : "NaN");
  return vm::map_set(*v->rt, m, key, x) ? HAKO_OK : take_error(v);
}
}  // namespace

hako_status hako_map_get(hako_vm* v, hako_handle map, hako_handle key, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_map_get");
  vm::Map* m;
  if (hako_status st = map_of(v, map, &m, "hako_map_get")) return st;
  Value k;
  if (hako_status st = value_of(v, key, &k, "hako_map_get")) return st;
  return map_get(v, m, k, out, "hako_map_get");
}

hako_status hako_map_set(hako_vm* v, hako_handle map, hako_handle key, hako_handle h) {
  CHECK_VM(v);
  vm::Map* m;
  if (hako_status st = map_of(v, map, &m, "hako_map_set")) return st;
  Value k, x;
  if (hako_status st = value_of(v, key, &k, "hako_map_set")) return st;
  if (hako_status st = value_of(v, h, &x, "hako_map_set")) return st;
  return map_set(v, m, k, x, "hako_map_set");
}

hako_status hako_map_get_str(hako_vm* v, hako_handle map, const char* key, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, key, "hako_map_get_str");
  CHECK_PTR(v, out, "hako_map_get_str");
  vm::Map* m;
  if (hako_status st = map_of(v, map, &m, "hako_map_get_str")) return st;
  vm::String* k = v->rt->new_string(key);
  if (!k) return take_error(v);
  vm::Local keep(*v->rt, Value::string(k));
  return map_get(v, m, Value::string(k), out, "hako_map_get_str");
}

hako_status hako_map_set_str(hako_vm* v, hako_handle map, const char* key, hako_handle h) {
  CHECK_VM(v);
  CHECK_PTR(v, key, "hako_map_set_str");
  vm::Map* m;
  if (hako_status st = map_of(v, map, &m, "hako_map_set_str")) return st;
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_map_set_str")) return st;
  vm::String* k = v->rt->new_string(key);
  if (!k) return take_error(v);
  vm::Local keep(*v->rt, Value::string(k));
  return map_set(v, m, Value::string(k), x, "hako_map_set_str");
}

hako_status hako_map_next(hako_vm* v, hako_handle map, size_t* pos, hako_handle* key,
                          hako_handle* value) {
  CHECK_VM(v);
  CHECK_PTR(v, pos, "hako_map_next");
  vm::Map* m;
  if (hako_status st = map_of(v, map, &m, "hako_map_next")) return st;
  if (*pos > UINT32_MAX) return fail(v, HAKO_ERR_RANGE, "hako_map_next: position out of range");
  uint32_t ki = kNoSlot, vi = kNoSlot;
  if (key && !new_slot(v, &ki)) return v->err_status;
  if (value && !new_slot(v, &vi)) {
    if (ki != kNoSlot) free_slot(v, ki);
    return v->err_status;
  }
  auto p = static_cast<uint32_t>(*pos);
  Value k, x;
  if (!vm::map_next(m, &p, &k, &x)) {
    if (ki != kNoSlot) free_slot(v, ki);
    if (vi != kNoSlot) free_slot(v, vi);
    *pos = p;
    return HAKO_END;
  }
  *pos = p;
  if (key) {
    v->slots[ki].v = k;
    *key = make_handle(v, ki);
  }
  if (value) {
    v->slots[vi].v = x;
    *value = make_handle(v, vi);
  }
  return HAKO_OK;
}

// ---- Globals, running, calling

hako_status hako_get_global(hako_vm* v, const char* name, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_get_global");
  if (bad_name(name)) return fail(v, HAKO_ERR_ARG, "hako_get_global: no name");
  vm::String* k = v->rt->new_string(name);
  if (!k) return take_error(v);
  vm::Local keep(*v->rt, Value::string(k));
  vm::Map* g = v->rt->globals();
  uint32_t i;
  if (!new_slot(v, &i)) return v->err_status;
  Value x;
  if (!vm::map_get(*v->rt, g, Value::string(k), &x)) {
    free_slot(v, i);
    return fail(v, HAKO_ERR_NOT_FOUND, "hako_get_global: no global '%s'", name);
  }
  v->slots[i].v = x;
  *out = make_handle(v, i);
  return HAKO_OK;
}

hako_status hako_set_global(hako_vm* v, const char* name, hako_handle h) {
  CHECK_VM(v);
  if (bad_name(name)) return fail(v, HAKO_ERR_ARG, "hako_set_global: no name");
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_set_global")) return st;
  return v->rt->set_global(name, x) ? HAKO_OK : take_error(v);
}

hako_status hako_run_string(hako_vm* v, const char* chunk, const char* source, size_t len,
                            hako_handle* result) {
  CHECK_VM(v);
  CHECK_PTR(v, source, "hako_run_string");
  return run_source(v, bad_name(chunk) ? "chunk" : chunk, {source, len}, result);
}

hako_status hako_run_file(hako_vm* v, const char* path, hako_handle* result) {
  CHECK_VM(v);
  CHECK_PTR(v, path, "hako_run_file");
  FILE* f = std::fopen(path, "rb");
  if (!f) return fail(v, HAKO_ERR_IO, "cannot open %s: %s", path, std::strerror(errno));
  char* data = nullptr;
  size_t size = 0, cap = 0;
  bool ok = true;
  for (;;) {
    if (size == cap) {
      cap = cap ? cap * 2 : 1 << 14;
      auto* d = static_cast<char*>(hak_realloc_at(data, cap, HAK_SITE("hako.source")));
      if (!d) {
        ok = false;
        break;
      }
      data = d;
    }
    size_t n = std::fread(data + size, 1, cap - size, f);
    size += n;
    if (n == 0) break;
  }
  int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  hako_status st;
  if (!ok)
    st = fail(v, HAKO_ERR_MEMORY, "out of memory reading %s", path);
  else if (err)
    st = fail(v, HAKO_ERR_IO, "cannot read %s: %s", path, std::strerror(err));
  else
    st = run_source(v, path, {data ? data : "", size}, result);
  hak_free(data);
  return st;
}

hako_status hako_call(hako_vm* v, hako_handle fn, int argc, const hako_handle* argv,
                      hako_handle* result) {
  CHECK_VM(v);
  Value f;
  if (hako_status st = value_of(v, fn, &f, "hako_call")) return st;
  return call_value(v, f, argc, argv, result, "hako_call");
}

hako_status hako_call_global(hako_vm* v, const char* name, int argc, const hako_handle* argv,
                             hako_handle* result) {
  CHECK_VM(v);
  if (bad_name(name)) return fail(v, HAKO_ERR_ARG, "hako_call_global: no name");
  vm::String* k = v->rt->new_string(name);
  if (!k) return take_error(v);
  vm::Local keep(*v->rt, Value::string(k));
  Value f;
  if (!vm::map_get(*v->rt, v->rt->globals(), Value::string(k), &f) || f.is_nil())
    return fail(v, HAKO_ERR_NOT_FOUND, "hako_call_global: no global function '%s'", name);
  if (!f.is_function())
    return fail(v, HAKO_ERR_TYPE, "hako_call_global: '%s' is %s, not a function", name,
                type_text(f));
  return call_value(v, f, argc, argv, result, "hako_call_global");
}

// ---- Host functions

hako_status hako_register(hako_vm* v, const char* name, hako_host_fn fn, void* ud) {
  CHECK_VM(v);
  if (bad_name(name)) return fail(v, HAKO_ERR_ARG, "hako_register: no name");
  CHECK_PTR(v, fn, "hako_register");
  hako_handle h;
  if (hako_status st = new_function(v, name, fn, ud, &h)) return st;
  hako_status st = hako_set_global(v, name, h);
  hako_release(v, h);
  return st;
}

hako_status hako_new_function(hako_vm* v, const char* name, hako_host_fn fn, void* ud,
                              hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, fn, "hako_new_function");
  CHECK_PTR(v, out, "hako_new_function");
  return new_function(v, bad_name(name) ? "<host>" : name, fn, ud, out);
}

hako_status hako_raise(hako_vm* v, const char* message) {
  CHECK_VM(v);
  return hako_raisef(v, "%s", message ? message : "error");
}

hako_status hako_raisef(hako_vm* v, const char* fmt, ...) {
  CHECK_VM(v);
  if (!v->depth) return fail(v, HAKO_ERR_STATE, "hako_raise: no host function is running");
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt ? fmt : "error", ap);
  va_end(ap);
  size_t len = n < 0 ? 0 : static_cast<size_t>(n) < sizeof buf ? size_t(n) : sizeof buf - 1;
  v->raised = true;
  if (vm::String* s = v->rt->new_string({buf, len})) {
    v->raise_value = Value::string(s);
    v->raise_kind = vm::ErrorKind::kError;
  } else {
    v->rt->clear_error();
    v->raise_value = Value();
    v->raise_kind = vm::ErrorKind::kMemory;
  }
  return HAKO_ERR_RUNTIME;
}

hako_status hako_raise_value(hako_vm* v, hako_handle h) {
  CHECK_VM(v);
  Value x;
  if (hako_status st = value_of(v, h, &x, "hako_raise_value")) return st;
  if (!v->depth) return fail(v, HAKO_ERR_STATE, "hako_raise_value: no host function is running");
  v->raised = true;
  v->raise_value = x;
  v->raise_kind = vm::ErrorKind::kError;
  return HAKO_ERR_RUNTIME;
}

// ---- Errors

hako_status hako_error_status(hako_vm* v) { return v ? v->err_status : HAKO_ERR_NULL; }

const char* hako_error_message(hako_vm* v) {
  if (!v) return "NULL VM";
  return v->msg.data ? v->msg.data : kEmpty;
}

const char* hako_error_traceback(hako_vm* v) {
  if (!v) return kEmpty;
  return v->tb.data ? v->tb.data : kEmpty;
}

hako_status hako_error_value(hako_vm* v, hako_handle* out) {
  CHECK_VM(v);
  CHECK_PTR(v, out, "hako_error_value");
  return handle_for(v, v->err_value, out);
}

void hako_clear_error(hako_vm* v) {
  if (!v) return;
  v->err_status = HAKO_OK;
  v->err_value = Value();
  v->err_kind = vm::ErrorKind::kNone;
  clear_text(&v->msg);
  clear_text(&v->tb);
}

}  // extern "C"

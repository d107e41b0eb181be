// The Runtime: one Hako heap and everything that hangs off it — the objects and their
// collector, the interned strings, the value stack and the interpreter's frames, the
// globals, the pending error and its traceback, the work budget, the output callback. No global
// mutable state: many runtimes per process, each used by one thread at a time. docs/VM.md describes
// the API the interpreter builds on.
//
// Rules for C++ code that holds values (natives, the interpreter):
//  - Any allocation may run the collector (always, in stress mode). A value that must
//    survive an allocation must be reachable: on the value stack, in a Local or a
//    ValueBuffer, or from a reachable object. Functions that store a value into a
//    container (array_push, map_set, ValueBuffer::push, push) keep their arguments alive
//    themselves.
//  - A pointer into the value stack is invalidated by anything that may grow it (push,
//    ensure_stack, call): keep slot indexes, as Args does.
//  - Errors are values: a function that fails raises (raise, error, oom...) and returns
//    false or nullptr; the caller passes the failure up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "hakmem.h"
#include "vm/object.h"

// Cheap invariant checks in debug and sanitizer builds (HAK_DEBUG >= 1).
#if defined(HAK_DEBUG) && HAK_DEBUG
#define HAKO_VM_ASSERT(c) ((c) ? (void)0 : hako::vm::assert_failed(#c, __FILE__, __LINE__))
#else
#define HAKO_VM_ASSERT(c) ((void)0)
#endif

namespace hako::vm {

[[noreturn]] void assert_failed(const char* what, const char* file, int line);

using OutputFn = void (*)(void* ud, const char* data, size_t size);

struct RuntimeOptions {
  size_t memory_limit = 0;           // heap bytes (counted as requested); 0: no limit
  int64_t budget = -1;               // work units; < 0: unlimited
  bool io = true;                    // provide the io module
  bool gc_stress = false;            // collect at every allocation (flushes missing roots)
  uint32_t gc_stress_every = 1;      // with gc_stress: at every n-th allocation instead
  uint32_t gc_pause = 200;           // percent: the heap grows to this much of what survived
  size_t gc_min_heap = 128 << 10;    // no collection while the heap is smaller
  uint32_t max_native_depth = 200;   // nested Runtime::call()s (C++ recursion)
  uint32_t max_frames = 200000;      // active Hako calls ("stack overflow")
  size_t max_stack_slots = 1 << 24;  // the value stack's limit ("stack overflow")
  int64_t random_seed = 0;           // math.random starts as after math.seed(random_seed)
  uint64_t hash_seed = 0;            // string hashing
  OutputFn output = nullptr;         // where print writes; nullptr: stdout
  void* output_ud = nullptr;
  bool switch_dispatch = false;  // the interpreter's switch loop instead of computed goto
  // The heap (and the Runtime itself) from the C library's malloc instead of hakmem's
  // tagged sites: a per-runtime backend for embedders (hako.h). Compilation, the JSON
  // reader's scratch and hakmem's own state still use hakmem.
  bool system_malloc = false;
};

// What the pending error is. pcall catches all but kBudget, so that a script cannot
// outlive its budget.
enum class ErrorKind : uint8_t {
  kNone,
  kError,          // error(v), or a runtime error with a message
  kMemory,         // "out of memory"
  kStackOverflow,  // "stack overflow"
  kBudget,         // "instruction budget exhausted"
};

struct GcStats {
  size_t heap_bytes;  // everything the runtime has allocated and not freed
  size_t objects;     // live objects
  uint64_t cycles;    // collections so far
  double pause_ms_total;
  size_t threshold;  // the next collection starts above this many heap bytes
};

// Interned strings the runtime keeps (type names, keys of maps that builtins return).
// clang-format off
#define HAKO_NAMES(X)                                                                       \
  X(nil, "nil") X(bool_, "bool") X(int_, "int") X(float_, "float") X(string, "string")       \
  X(array, "array") X(map, "map") X(function, "function") X(ok, "ok") X(value, "value")      \
  X(error, "error") X(heap_bytes, "heap_bytes") X(objects, "objects") X(cycles, "cycles")    \
  X(pause_ms_total, "pause_ms_total") X(out_of_memory, "out of memory")                      \
  X(stack_overflow, "stack overflow") X(budget_exhausted, "instruction budget exhausted")    \
  X(assertion_failed, "assertion failed")
enum Name : uint32_t {
#define HAKO_NAME_ENUM(id, text) kName_##id,
  HAKO_NAMES(HAKO_NAME_ENUM)
#undef HAKO_NAME_ENUM
  kNameCount
};
// clang-format on

// A Hako function's activation record (the interpreter's, interp.cc). Frames live in an
// array on the heap, not on the C++ stack: a call from Hako to Hako pushes one and stays in
// the same interpreter loop. Registers are stack slots, so a frame holds indexes, and the
// function value sits in stack[base - 1], which keeps the closure alive.
struct Frame {
  Closure* cl;
  const uint32_t* pc;  // where the frame resumes: after the CALL it is making
  uint32_t base;       // R[0] is stack[base]
  uint8_t ret;         // the caller's register that receives the result
  uint8_t entry;       // 1: the frame an interpreter loop started with; it returns to C++
};

// One line of a traceback: a function and the instruction it was running (its line is
// line_at(proto, pc), interp.h; computed only for what is printed).
struct TraceEntry {
  Proto* proto;
  uint32_t pc;
};

// A span of values that the collector treats as roots while it is linked (LIFO).
struct RootLink {
  RootLink* prev;
  Value* values;
  size_t count;
};

// The interpreter calls closures for Runtime::call: the function is in stack slot
// func_slot and its nargs arguments follow. It returns the result in *ret, or false with
// the error pending, having unwound its own frames.
using CallHook = bool (*)(Runtime& rt, uint32_t func_slot, uint32_t nargs, Value* ret);
// Marks extra roots (rt.mark_value / mark_object) at the start of each collection.
using RootHook = void (*)(Runtime& rt, void* ud);

// A native's arguments: nargs values on the stack from slot `base`, with the function
// itself in slot base-1. Reads go through the stack each time, so Args stays valid when a
// native calls back into the VM and the stack moves.
class Args {
 public:
  Args(Runtime& rt, uint32_t base, uint32_t n) : rt_(&rt), base_(base), n_(n) {}
  uint32_t size() const { return n_; }
  uint32_t base() const { return base_; }
  Runtime& rt() const { return *rt_; }
  inline Value operator[](uint32_t i) const;  // nil past the end
  inline const Value* data() const;           // valid until the stack grows
  inline Native* callee() const;

  // Checked reads: false after raising "bad argument #i to 'f' (int expected, got string)"
  // (i counts from 1 in messages).
  bool get_int(uint32_t i, int64_t* out) const;  // an int, or a float with an int value
  bool get_number(uint32_t i, double* out) const;
  bool get_string(uint32_t i, String** out) const;
  bool get_array(uint32_t i, Array** out) const;
  bool get_map(uint32_t i, Map** out) const;
  bool get_function(uint32_t i, Value* out) const;
  bool opt_int(uint32_t i, int64_t def, int64_t* out) const;  // absent or nil: def
  bool bad_type(uint32_t i, const char* expected) const;
  // "bad argument #i to 'f' (MESSAGE)".
  bool bad_arg(uint32_t i, const char* fmt, ...) const __attribute__((format(printf, 3, 4)));
  // The callee's name, for messages ("string.sub").
  std::string_view name() const;

 private:
  Runtime* rt_;
  uint32_t base_, n_;
};

class Runtime {
 public:
  // nullptr when the memory limit (or the system) leaves no room for the builtins.
  static Runtime* create(const RuntimeOptions& opt = {});
  // Frees every object and buffer; every byte the runtime allocated goes back.
  static void destroy(Runtime* rt);

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const RuntimeOptions& options() const { return opt_; }

  // ---- Memory (gc.cc). Every byte the runtime uses comes through here, counted, within
  // the memory limit. alloc and growing realloc are collection points; they return nullptr
  // when out of memory, without raising (the caller raises with oom()).
  void* alloc(size_t n, hak_site_t site);
  void* realloc(void* p, size_t old_n, size_t n, hak_site_t site);
  void free(void* p, size_t n);
  size_t heap_bytes() const { return bytes_; }
  void set_memory_limit(size_t bytes) { opt_.memory_limit = bytes; }

  // ---- Objects. Each returns nullptr after raising "out of memory".
  String* new_string(std::string_view s);  // interned when short; s must stay alive
  String* new_long_string(size_t n);       // n > kShortString bytes, to be filled in
  Array* new_array(uint32_t cap = 0);
  Map* new_map(uint32_t cap = 0);
  Proto* new_proto();
  // Allocates a prototype's arrays, zero-filled (constants nil); at most once per proto.
  bool proto_reserve(Proto* p, uint32_t ncode, uint32_t nconsts, uint32_t nprotos, uint32_t nupvals,
                     uint32_t nlines);
  Closure* new_closure(Proto* p, uint32_t nupvals);  // upvalues nil, to be filled
  Native* new_native(NativeFn fn, std::string_view name, void* ud = nullptr);
  Box* new_box(Value v);
  String* name(Name n) const { return names_[n]; }

  // ---- Errors. Each sets the pending error and returns false.
  bool raise(Value v);  // error(v): any value, unchanged
  bool error(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  bool oom();
  bool stack_overflow();
  bool budget_exhausted();
  ErrorKind error_kind() const { return err_kind_; }
  Value error_value() const { return err_value_; }
  void clear_error() {
    err_kind_ = ErrorKind::kNone;
    err_value_ = Value();
    trace_count_ = 0;
  }

  // ---- The pending error's traceback, innermost frame first: the interpreter adds a line
  // for each frame it unwinds. A deep one keeps its first kTraceHead and last kTraceTail
  // lines (and counts the rest). Cleared with the error.
  static constexpr uint32_t kTraceHead = 10, kTraceTail = 11;
  void add_trace(Proto* p, uint32_t pc) {
    TraceEntry e{p, pc};
    if (trace_count_ < kTraceHead)
      trace_head_[trace_count_] = e;
    else
      trace_tail_[(trace_count_ - kTraceHead) % kTraceTail] = e;
    ++trace_count_;
  }
  uint32_t trace_count() const { return trace_count_; }  // frames unwound
  // Line i of the traceback (i < trace_count()); false for one that was not kept.
  bool trace_entry(uint32_t i, TraceEntry* out) const;

  // ---- The value stack: slots [stack, top) are live (the collector marks them, and sets
  // the dead ones above top to nil). Growing it moves it: hold indexes, not pointers.
  Value* stack = nullptr;
  Value* top = nullptr;
  Value* stack_end = nullptr;
  uint32_t top_index() const { return static_cast<uint32_t>(top - stack); }
  // Room for n more slots above top; false after raising "stack overflow" or OOM.
  bool ensure_stack(size_t n) { return static_cast<size_t>(stack_end - top) >= n || grow_stack(n); }
  bool push(Value v) {
    if (top == stack_end && !grow_stack_keep(v)) return false;
    *top++ = v;
    return true;
  }

  // ---- Calls.
  // Calls the function in slot func_slot with the nargs values above it (they must end
  // at top): natives directly, closures through the interpreter's hook. On success the
  // result replaces the function (stack[func_slot], top = func_slot + 1, so it stays
  // alive until the caller pops it) and is copied to *ret if ret is not null; on failure
  // top = func_slot. ret must not point into the stack.
  bool call(uint32_t func_slot, uint32_t nargs, Value* ret = nullptr);
  // Pushes fn and args, calls, pops: *ret is not kept alive. fn and args must be reachable.
  bool call_value(Value fn, std::initializer_list<Value> args, Value* ret);
  // How the interpreter calls a native whose arguments sit in slots [base, base+nargs)
  // with the native in slot base-1; top is raised to cover them for the call.
  bool call_native(Native* f, uint32_t base, uint32_t nargs, Value* ret) {
    uint32_t saved = top_index();
    if (saved < base + nargs) top = stack + base + nargs;
    bool ok = f->fn(*this, Args(*this, base, nargs), ret);
    top = stack + saved;
    return ok;
  }
  // The interpreter (interp.h) is the hook of every runtime; tests may replace it.
  void set_call_hook(CallHook hook) { call_hook_ = hook; }

  // ---- The interpreter's frames (interp.cc): frames[0, nframes) are active, the last is
  // running. The array grows on the heap (site vm.frames) up to max_frames.
  Frame* frames = nullptr;
  uint32_t nframes = 0, frames_cap = 0;
  // Room for one more frame; false after raising "stack overflow" or OOM.
  bool ensure_frame() { return nframes < frames_cap || grow_frames(); }
  // The interpreter's own state, for its hooks.
  void* interp = nullptr;
  // The embedder's.
  void* host = nullptr;

  // ---- Globals (a map from names to values; the builtins and modules are in it). Loaded
  // code refers to globals by their position in this map, so globals are never deleted
  // (set one to nil instead): without dead entries the map keeps every position when it
  // grows.
  Map* globals() const { return globals_; }
  bool set_global(std::string_view name, Value v);
  Value get_global(std::string_view name);
  // Adds a native to a map (the globals, a module), named `prefix` + name for messages.
  bool register_native(Map* into, const char* prefix, const char* name, NativeFn fn,
                       void* ud = nullptr);
  // The string module, for method calls on strings ("abc":upper()).
  Map* string_methods() const { return string_lib_; }
  void set_string_methods(Map* m) { string_lib_ = m; }

  // ---- Output (print).
  void write(std::string_view s) { output_(output_ud_, s.data(), s.size()); }
  void set_output(OutputFn fn, void* ud);  // nullptr: stdout

  // ---- The work budget: the interpreter charges one unit per instruction, builtins charge
  // for their work (docs/VM.md), and an exhausted budget is an error pcall cannot catch.
  int64_t budget = INT64_MAX;
  bool charge(int64_t units) { return (budget -= units) >= 0 || budget_exhausted(); }
  void set_budget(int64_t units) { budget = units < 0 ? INT64_MAX : units; }

  // ---- The collector (gc.cc).
  void collect();  // a full collection now
  // A collection point: collects when the heap has outgrown the threshold (always in stress
  // mode, where the threshold stays 0).
  void check_gc() {
    if (bytes_ > threshold_) collect_point();
  }
  GcStats gc_stats() const;
  void set_root_hook(RootHook hook, void* ud) {
    root_hook_ = hook;
    root_hook_ud_ = ud;
  }
  // An expensive walk over the heap's invariants (object types, string table, map counts
  // and indexes, the globals map, frames); nullptr when all hold, else what is wrong. Debug builds
  // (HAK_DEBUG >= 2) run it after every collection.
  const char* verify_heap();
  // For root hooks.
  void mark_value(Value v) {
    if (v.is_object()) mark_object(v.o);
  }
  void mark_object(Obj* o) {
    if (o && !o->marked) mark_slow(o);
  }

  // ---- Strings (string_table.cc).
  uint32_t hash_bytes(const char* p, size_t n) const;
  uint32_t string_hash(String* s) {
    return (s->flags & (kStrShort | kStrHashed)) ? s->extra : hash_long(s);
  }

  // Root links (Local, ValueBuffer) and the random generator's state (lib_math.cc).
  RootLink* roots = nullptr;
  uint64_t rng[4] = {};

 private:
  explicit Runtime(const RuntimeOptions& opt);
  ~Runtime();
  bool init();
  bool grow_stack(size_t n);
  bool grow_stack_keep(Value v);
  bool grow_frames();
  void* alloc_object(size_t n, uint8_t type, hak_site_t site);
  void* raw_alloc(size_t n, hak_site_t site, bool may_collect);
  void* heap_alloc(size_t n, hak_site_t site);
  void* heap_realloc(void* p, size_t n, hak_site_t site);
  void heap_free(void* p);
  void free_object(Obj* o);
  void mark_slow(Obj* o);
  void collect_point();
  void mark_roots();
  void propagate();
  void trace(Obj* o);
  void sweep();
  uint32_t hash_long(String* s);
  String* intern(std::string_view s, uint32_t h);
  void strtab_remove(String* s);
  void strtab_grow();
  static size_t strtab_bytes(uint32_t n) {
    return n * sizeof(String*);  // NOLINT(bugprone-sizeof-expression): an array of pointers
  }

  RuntimeOptions opt_;
  OutputFn output_;
  void* output_ud_;

  // Heap and collector.
  Obj* all_ = nullptr;   // every object
  Obj* gray_ = nullptr;  // marked objects whose children are not marked yet
  size_t bytes_ = 0;
  size_t threshold_;
  size_t objects_ = 0;
  uint64_t cycles_ = 0;
  uint64_t pause_ns_ = 0;
  bool collecting_ = false;
  uint32_t stress_left_ = 0;  // allocations until the next stress collection

  // Interned strings: chained buckets (String::hnext).
  String** strtab_ = nullptr;
  uint32_t strtab_size_ = 0, strtab_count_ = 0;

  uint32_t c_depth_ = 0;  // nested call()s

  ErrorKind err_kind_ = ErrorKind::kNone;
  Value err_value_;
  uint32_t trace_count_ = 0;
  TraceEntry trace_head_[kTraceHead] = {};
  TraceEntry trace_tail_[kTraceTail] = {};

  Map* globals_ = nullptr;
  Map* string_lib_ = nullptr;
  String* names_[kNameCount] = {};

  CallHook call_hook_ = nullptr;
  RootHook root_hook_ = nullptr;
  void* root_hook_ud_ = nullptr;
};

inline Value Args::operator[](uint32_t i) const { return i < n_ ? rt_->stack[base_ + i] : Value(); }
inline const Value* Args::data() const { return rt_->stack + base_; }
inline Native* Args::callee() const { return rt_->stack[base_ - 1].as_native(); }

// One value kept alive for C++ code (RAII; Locals and ValueBuffers nest LIFO).
class Local {
 public:
  explicit Local(Runtime& rt, Value v = Value()) : rt_(rt), link_{rt.roots, &v_, 1}, v_(v) {
    rt.roots = &link_;
  }
  ~Local() {
    HAKO_VM_ASSERT(rt_.roots == &link_);  // Locals and ValueBuffers nest
    rt_.roots = link_.prev;
  }
  Local(const Local&) = delete;
  Local& operator=(const Local&) = delete;
  Value get() const { return v_; }
  void set(Value v) { v_ = v; }

 private:
  Runtime& rt_;
  RootLink link_;
  Value v_;
};

// A growable array of values kept alive for C++ code (RAII, LIFO with Locals), its memory
// counted by the runtime (site vm.buffer).
class ValueBuffer {
 public:
  explicit ValueBuffer(Runtime& rt) : rt_(rt), link_{rt.roots, nullptr, 0} { rt.roots = &link_; }
  ~ValueBuffer();
  ValueBuffer(const ValueBuffer&) = delete;
  ValueBuffer& operator=(const ValueBuffer&) = delete;

  size_t size() const { return link_.count; }
  Value* data() { return link_.values; }
  Value& operator[](size_t i) { return link_.values[i]; }
  Value& back() { return link_.values[link_.count - 1]; }
  void pop() { --link_.count; }
  void clear() { link_.count = 0; }
  // Each returns false after raising "out of memory".
  bool push(Value v) {
    if (link_.count == cap_ && !grow(link_.count + 1, v)) return false;
    link_.values[link_.count++] = v;
    return true;
  }
  bool resize(size_t n);  // new slots are nil

 private:
  bool grow(size_t need, Value keep);
  Runtime& rt_;
  RootLink link_;
  size_t cap_ = 0;
};

}  // namespace hako::vm

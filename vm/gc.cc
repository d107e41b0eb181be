// Memory accounting and the collector: precise, non-moving, stop-the-world mark-sweep.
//
// Every byte comes through raw_alloc/realloc/free, which count it (bytes_) and keep it
// under the memory limit; when a request would pass the limit, or hakmem fails, one full
// collection runs before the request fails. A collection starts at a collection point (an
// allocation) once bytes_ exceeds threshold_, which each collection sets to gc_pause% of
// what survived (Lua's pause). Marking runs from the roots (runtime.h) with an intrusive
// gray list, so it needs no memory; sweeping walks the list of all objects. Why not
// incremental or generational: docs/VM.md.
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "vm/map.h"
#include "vm/runtime.h"

namespace hako::vm {

namespace {

Obj** gclist_of(Obj* o) {
  switch (o->type) {
    case kArray:
      return &static_cast<Array*>(o)->gclist;
    case kMap:
      return &static_cast<Map*>(o)->gclist;
    case kClosure:
      return &static_cast<Closure*>(o)->gclist;
    case kProto:
      return &static_cast<Proto*>(o)->gclist;
    case kNative:
      return &static_cast<Native*>(o)->gclist;
    default:
      return nullptr;
  }
}

bool over(size_t bytes, size_t more, size_t limit) {
  return limit && (bytes > limit || more > limit - bytes);
}

}  // namespace

// ---- Memory -----------------------------------------------------------------------------

// The backend: hakmem's tagged sites, or the C library's malloc (RuntimeOptions::system_malloc).
void* Runtime::heap_alloc(size_t n, hak_site_t site) {
  return opt_.system_malloc ? std::malloc(n) : hak_alloc_at(n, site);
}
void* Runtime::heap_realloc(void* p, size_t n, hak_site_t site) {
  return opt_.system_malloc ? std::realloc(p, n) : hak_realloc_at(p, n, site);
}
void Runtime::heap_free(void* p) {
  if (opt_.system_malloc)
    std::free(p);
  else
    hak_free(p);
}

void* Runtime::raw_alloc(size_t n, hak_site_t site, bool may_collect) {
  may_collect = may_collect && !collecting_;
  if (may_collect) check_gc();
  if (over(bytes_, n, opt_.memory_limit)) {
    if (!may_collect) return nullptr;
    collect();  // an emergency collection, then the limit decides
    if (over(bytes_, n, opt_.memory_limit)) return nullptr;
  }
  void* p = heap_alloc(n, site);
  if (!p && may_collect) {
    collect();
    p = heap_alloc(n, site);
  }
  if (p) bytes_ += n;
  return p;
}

void* Runtime::alloc(size_t n, hak_site_t site) { return raw_alloc(n, site, true); }

void* Runtime::realloc(void* p, size_t old_n, size_t n, hak_site_t site) {
  if (n == 0) {
    free(p, old_n);
    return nullptr;
  }
  if (n <= old_n) {  // shrinking never fails: if hakmem cannot move it, the block stays
    void* q = heap_realloc(p, n, site);
    bytes_ -= old_n - n;  // counted at the size the caller will free it with
    return q ? q : p;
  }
  bool may_collect = !collecting_;
  if (may_collect) check_gc();
  size_t more = n - old_n;
  if (over(bytes_, more, opt_.memory_limit)) {
    if (!may_collect) return nullptr;
    collect();
    if (over(bytes_, more, opt_.memory_limit)) return nullptr;
  }
  void* q = heap_realloc(p, n, site);  // on failure the old block is untouched
  if (!q && may_collect) {
    collect();
    q = heap_realloc(p, n, site);
  }
  if (q) bytes_ += more;
  return q;
}

void Runtime::free(void* p, size_t n) {
  if (!p) return;
  heap_free(p);
  bytes_ -= n;
}

void* Runtime::alloc_object(size_t n, uint8_t type, hak_site_t site) {
  auto* o = static_cast<Obj*>(raw_alloc(n, site, true));
  if (!o) {
    oom();
    return nullptr;
  }
  o->next = all_;
  o->type = type;
  o->marked = 0;
  o->flags = 0;
  o->aux = 0;
  o->extra = 0;
  all_ = o;
  ++objects_;
  return o;
}

void Runtime::free_object(Obj* o) {
  --objects_;
  switch (o->type) {
    case kString: {
      auto* s = static_cast<String*>(o);
      free(s, sizeof(String) + s->size() + 1);
      return;
    }
    case kArray: {
      auto* a = static_cast<Array*>(o);
      free(a->items, size_t(a->cap) * sizeof(Value));
      free(a, sizeof(Array));
      return;
    }
    case kMap: {
      auto* m = static_cast<Map*>(o);
      free(m->entries, map_store_bytes(m->cap));
      free(m, sizeof(Map));
      return;
    }
    case kClosure: {
      auto* c = static_cast<Closure*>(o);
      free(c, closure_bytes(c->nupvals()));
      return;
    }
    case kBox:
      free(o, sizeof(Box));
      return;
    case kProto: {
      auto* p = static_cast<Proto*>(o);
      if (p->consts)  // the block starts with the field hints, just below the constants
        free(reinterpret_cast<char*>(p->consts) - proto_hint_bytes(p->nconsts),
             proto_block_bytes(p->ncode, p->nconsts, p->nprotos, p->nupvals, p->nlines));
      free(p, sizeof(Proto));
      return;
    }
    case kNative:
      free(o, sizeof(Native));
      return;
    default:
      __builtin_unreachable();
  }
}

// ---- Marking ----------------------------------------------------------------------------

void Runtime::mark_slow(Obj* o) {
  o->marked = 1;
  switch (o->type) {
    case kString:
      return;
    case kBox:
      mark_value(static_cast<Box*>(o)->value);
      return;  // no deeper than this
    default: {
      Obj** link = gclist_of(o);
      *link = gray_;
      gray_ = o;
    }
  }
}

void Runtime::trace(Obj* o) {
  switch (o->type) {
    case kArray: {
      auto* a = static_cast<Array*>(o);
      for (uint32_t i = 0; i < a->len; ++i) mark_value(a->items[i]);
      return;
    }
    case kMap: {
      auto* m = static_cast<Map*>(o);
      for (uint32_t i = 0; i < m->used; ++i) {
        const MapEntry& e = m->entries[i];
        if (!e.live()) continue;
        if (e.key_tag >= kFirstObject) mark_object(reinterpret_cast<Obj*>(e.key_bits));
        mark_value(e.value());
      }
      return;
    }
    case kClosure: {
      auto* c = static_cast<Closure*>(o);
      mark_object(c->proto);
      for (uint32_t i = 0; i < c->nupvals(); ++i) mark_value(c->upvals()[i]);
      return;
    }
    case kProto: {
      auto* p = static_cast<Proto*>(o);
      for (uint32_t i = 0; i < p->nconsts; ++i) mark_value(p->consts[i]);
      for (uint32_t i = 0; i < p->nprotos; ++i) mark_object(p->protos[i]);
      mark_object(p->name);
      mark_object(p->source);
      return;
    }
    case kNative: {
      auto* n = static_cast<Native*>(o);
      mark_object(n->name);
      mark_value(n->data);
      return;
    }
    default:
      return;
  }
}

void Runtime::propagate() {
  while (Obj* o = gray_) {
    gray_ = *gclist_of(o);
    trace(o);
  }
}

void Runtime::mark_roots() {
  for (Value* v = stack; v < top; ++v) mark_value(*v);
  // Dead slots above top may hold values the sweep frees: clear them, so that a frame
  // that grows into them later finds nil (Lua's traversethread does the same).
  for (Value* v = top; v < stack_end; ++v) *v = Value();
  mark_object(globals_);
  mark_object(string_lib_);
  for (String* s : names_) mark_object(s);
  mark_value(err_value_);
  for (uint32_t i = 0; i < trace_count_ && i < kTraceHead; ++i) mark_object(trace_head_[i].proto);
  for (uint32_t i = 0; i + kTraceHead < trace_count_ && i < kTraceTail; ++i)
    mark_object(trace_tail_[i].proto);
  for (RootLink* l = roots; l; l = l->prev)
    for (size_t i = 0; i < l->count; ++i) mark_value(l->values[i]);
  if (root_hook_) root_hook_(*this, root_hook_ud_);
}

// ---- Sweeping ---------------------------------------------------------------------------

void Runtime::sweep() {
  Obj** link = &all_;
  while (Obj* o = *link) {
    if (o->marked) {
      o->marked = 0;
      link = &o->next;
      continue;
    }
    *link = o->next;
    if (o->type == kString && static_cast<String*>(o)->is_short())
      strtab_remove(static_cast<String*>(o));
    free_object(o);
  }
}

void Runtime::collect_point() {
  if (opt_.gc_stress && opt_.gc_stress_every > 1) {
    if (stress_left_ > 0) {
      --stress_left_;
      return;
    }
    stress_left_ = opt_.gc_stress_every - 1;
  }
  collect();
}

void Runtime::collect() {
  if (collecting_) return;
  collecting_ = true;
  auto t0 = std::chrono::steady_clock::now();
  mark_roots();
  propagate();
  sweep();
  size_t grown = bytes_ / 100 * opt_.gc_pause;
  threshold_ = opt_.gc_stress ? 0 : grown > opt_.gc_min_heap ? grown : opt_.gc_min_heap;
  ++cycles_;
  pause_ns_ += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  collecting_ = false;
#if defined(HAK_DEBUG) && HAK_DEBUG >= 2
  if (const char* why = verify_heap()) assert_failed(why, __FILE__, __LINE__);
#endif
}

const char* Runtime::verify_heap() {
  size_t objects = 0, short_strings = 0;
  for (Obj* o = all_; o; o = o->next, ++objects) {
    if (o->marked) return "an object is still marked after a collection";
    switch (o->type) {
      case kString: {
        auto* s = static_cast<String*>(o);
        if (s->data()[s->size()] != '\0') return "a string lost its NUL terminator";
        if (!s->is_short()) break;
        ++short_strings;
        if (s->extra != hash_bytes(s->data(), s->size())) return "a short string's hash is wrong";
        String* b = strtab_[s->extra & (strtab_size_ - 1)];
        while (b && b != s) b = b->hnext;
        if (!b) return "a short string is missing from the string table";
        break;
      }
      case kArray: {
        auto* a = static_cast<Array*>(o);
        if (a->len > a->cap || (a->cap && !a->items)) return "an array's length exceeds its store";
        break;
      }
      case kMap: {
        auto* m = static_cast<Map*>(o);
        if (m->used > m->cap) return "a map used more entries than it has";
        uint32_t live = 0;
        for (uint32_t i = 0; i < m->used; ++i) {
          if (!m->entries[i].live()) continue;
          ++live;
          if (map_find(*this, m, m->entries[i].key()) != static_cast<int32_t>(i))
            return "a map cannot find one of its keys";
        }
        if (live != m->count) return "a map's count is wrong";
        break;
      }
      case kClosure:
      case kNative:
      case kBox:
      case kProto:
        break;
      default:
        return "an object has an unknown type";
    }
  }
  if (objects != objects_) return "the object count is wrong";
  if (short_strings != strtab_count_) return "the string table's count is wrong";
  // (No globals map yet while Runtime::init interns the names: a stress collection runs
  // there too.)
  if (globals_ && globals_->count != globals_->used)
    return "a global was deleted (loaded code refers to positions)";
  for (uint32_t i = 0; i < nframes; ++i) {
    const Frame& f = frames[i];
    if (f.base == 0 || stack + f.base > stack_end) return "a frame's base is outside the stack";
    if (!stack[f.base - 1].is_closure() || stack[f.base - 1].as_closure() != f.cl)
      return "a frame's function slot does not hold its closure";
    if (i && f.base < frames[i - 1].base) return "the frames are out of order";
  }
  return nullptr;
}

GcStats Runtime::gc_stats() const {
  return {bytes_, objects_, cycles_, static_cast<double>(pause_ns_) / 1e6, threshold_};
}

// ---- ValueBuffer ------------------------------------------------------------------------

ValueBuffer::~ValueBuffer() {
  HAKO_VM_ASSERT(rt_.roots == &link_);
  rt_.roots = link_.prev;
  rt_.free(link_.values, cap_ * sizeof(Value));
}

bool ValueBuffer::grow(size_t need, Value keep) {
  Local k(rt_, keep);
  size_t cap = cap_ ? cap_ * 2 : 8;
  if (cap < need) cap = need;
  if (cap > (SIZE_MAX / sizeof(Value))) return rt_.oom();
  void* p =
      rt_.realloc(link_.values, cap_ * sizeof(Value), cap * sizeof(Value), HAK_SITE("vm.buffer"));
  if (!p) return rt_.oom();
  link_.values = static_cast<Value*>(p);
  cap_ = cap;
  return true;
}

bool ValueBuffer::resize(size_t n) {
  if (n > cap_ && !grow(n, Value())) return false;
  for (size_t i = link_.count; i < n; ++i) link_.values[i] = Value();
  link_.count = n;
  return true;
}

}  // namespace hako::vm

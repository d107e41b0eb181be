// gc.collect() and gc.stats().
#include "vm/builtins.h"
#include "vm/map.h"

namespace hako::vm {

namespace {

bool gc_collect(Runtime& rt, Args, Value*) {
  rt.collect();
  return true;
}

bool gc_stats(Runtime& rt, Args, Value* ret) {
  GcStats s = rt.gc_stats();  // before the map below is allocated
  Map* m = rt.new_map(4);
  if (!m) return false;
  *ret = Value::map(m);
  auto set = [&](Name k, Value v) { return map_set(rt, m, Value::string(rt.name(k)), v); };
  return set(kName_heap_bytes, Value::integer(static_cast<int64_t>(s.heap_bytes))) &&
         set(kName_objects, Value::integer(static_cast<int64_t>(s.objects))) &&
         set(kName_cycles, Value::integer(static_cast<int64_t>(s.cycles))) &&
         set(kName_pause_ms_total, Value::number(s.pause_ms_total));
}

const NativeReg kGc[] = {{"collect", gc_collect}, {"stats", gc_stats}};

}  // namespace

bool open_gc(Runtime& rt) { return open_lib(rt, "gc", kGc); }

}  // namespace hako::vm

// The builtin functions and modules of docs/LANGUAGE.md, registered into a runtime's
// globals: builtins.cc (print, len, pcall, ...), lib_sort.cc, lib_math.cc, lib_string.cc,
// lib_format.cc, lib_json.cc, lib_io.cc, lib_gc.cc.
#pragma once

#include "vm/runtime.h"

namespace hako::vm {

// All of them, as the runtime's options say (io may be left out). Called by
// Runtime::create.
bool open_builtins(Runtime& rt);

struct NativeReg {
  const char* name;
  NativeFn fn;
};

// Registers fns into the globals (module == nullptr) or into a new global map `module`,
// named "module.fn" for messages; *out is the module's map.
bool open_lib(Runtime& rt, const char* module, const NativeReg* fns, size_t n, Map** out = nullptr);
template <size_t N>
bool open_lib(Runtime& rt, const char* module, const NativeReg (&fns)[N], Map** out = nullptr) {
  return open_lib(rt, module, fns, N, out);
}

// m[key] = v for a map that is reachable (a module); false after raising OOM.
bool set_field(Runtime& rt, Map* m, const char* key, Value v);

bool open_base(Runtime& rt);
bool open_math(Runtime& rt);
bool open_string(Runtime& rt);
bool open_json(Runtime& rt);
bool open_io(Runtime& rt);
bool open_gc(Runtime& rt);

// sort (lib_sort.cc), string.format (lib_format.cc).
bool native_sort(Runtime& rt, Args args, Value* ret);
bool native_format(Runtime& rt, Args args, Value* ret);

// math.seed(n) for the runtime's generator (lib_math.cc).
void seed_random(Runtime& rt, int64_t n);

}  // namespace hako::vm

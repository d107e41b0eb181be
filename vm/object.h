// The layouts of the GC-managed objects (docs/VM.md, "Objects"). Every object starts with
// an Obj header and is created by a Runtime (runtime.h), which links it into its list of
// all objects; the collector (gc.cc) frees what is unreachable. Variable parts (a string's
// bytes, a closure's upvalues) follow the struct in the same block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vm/value.h"

namespace hako::vm {

class Runtime;
class Args;

// A native function: reads its arguments from `args`, writes its result to *ret (nil by
// default) and returns true; or raises an error through the runtime and returns false.
using NativeFn = bool (*)(Runtime& rt, Args args, Value* ret);

struct Obj {
  Obj* next;       // the runtime's list of all objects
  uint8_t type;    // a Tag
  uint8_t marked;  // reached by the current collection
  uint8_t flags;   // per type (kStr*, kVisiting)
  uint8_t aux;     // a short string's length
  uint32_t extra;  // a string's hash; a closure's upvalue count
};

// Obj::flags.
constexpr uint8_t kStrShort = 1;     // interned: equal short strings are the same object
constexpr uint8_t kStrHashed = 2;    // a long string whose hash has been computed
constexpr uint8_t kVisiting = 0x80;  // a container being printed or serialized (cycles)

inline Value Value::object(Obj* p) { return object(p, p->type); }

// Immutable bytes, NUL-terminated (the NUL is not part of the string). Strings of at most
// kShortString bytes are interned with their hash computed at creation; longer ones hash
// lazily (Lua's scheme).
constexpr size_t kShortString = 40;
struct String : Obj {
  union {
    String* hnext;  // short: the next string in its bucket of the string table
    size_t lnglen;  // long: the length
  };
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  bool is_short() const { return flags & kStrShort; }
  size_t size() const { return is_short() ? aux : lnglen; }
  std::string_view view() const { return {data(), size()}; }
};

// A growable array of values, 0-based: items[0, len) are the elements.
struct Array : Obj {
  Value* items;  // cap values (site vm.array.store)
  uint32_t len, cap;
  Obj* gclist;  // gray list link
};

// A map entry. The key's payload and tag, with the key's hash in the padding a Value would
// have, so an entry is 32 bytes. A deleted entry keeps its place with key_tag kDeadKey.
constexpr uint8_t kDeadKey = 0xFF;
struct MapEntry {
  uint64_t key_bits;
  uint8_t key_tag;
  uint8_t pad_[3];
  uint32_t hash;
  Value value;
  Value key() const {
    Value k;
    k.bits = key_bits;
    k.tag = key_tag;
    return k;
  }
  bool live() const { return key_tag != kDeadKey; }
};
static_assert(sizeof(MapEntry) == 32, "a map entry is four words");

// An insertion-ordered hash map (map.h). Entries are appended in insertion order; maps of
// more than kMapLinear slots also have an open-addressing index of 2*cap uint32 slots
// (entry positions) right after the entries, in the same block.
constexpr uint32_t kMapLinear = 8;
struct Map : Obj {
  MapEntry* entries;  // cap entries [+ index] (site vm.map.store)
  uint32_t used;      // entries[0, used) have been filled; dead ones included
  uint32_t count;     // live entries
  uint32_t cap;       // 0 or a power of two
  uint32_t pad_;
  Obj* gclist;
  uint32_t* index() { return reinterpret_cast<uint32_t*>(entries + cap); }
  const uint32_t* index() const { return reinterpret_cast<const uint32_t*>(entries + cap); }
};

// A captured variable: open while it lives in a stack slot of an active frame (v points
// there; the runtime moves v when the stack is reallocated), closed when that frame ends
// (the value moves into `closed` and v points at it).
struct Upvalue : Obj {
  Value* v;
  union {
    Upvalue* next_open;  // open: the next open upvalue, lower in the stack
    Value closed;
  };
  bool is_open() const { return v != &closed; }
};

// How a closure captures its upvalue i: register `index` of the enclosing frame
// (in_stack), or upvalue `index` of the enclosing closure.
struct UpvalDesc {
  uint16_t index;
  uint8_t in_stack;
  uint8_t pad_;
};

// A compiled function: its code and what the code refers to. The compiler fills it;
// the runtime owns the arrays (proto_reserve in runtime.h) and the GC traces consts,
// protos, name and source.
struct Proto : Obj {
  uint32_t* code;     // ncode instructions (vm/bytecode.h)
  uint32_t* lines;    // ncode source lines, or nullptr
  Value* consts;      // nconsts constants
  Proto** protos;     // nprotos nested functions
  UpvalDesc* upvals;  // nupvals capture descriptions
  String* name;       // the function's name, nullptr when anonymous
  String* source;     // the chunk's file name, or nullptr
  uint32_t ncode, nconsts, nprotos, nupvals;
  uint32_t line;     // where the function starts
  uint16_t nparams;  // parameters
  uint16_t nregs;    // frame size in registers
  Obj* gclist;
};

// A function value: a prototype and its captured variables (Obj::extra of them). The
// runtime creates it with null upvalues; the interpreter anchors it (a register) before
// filling them, since creating an upvalue may collect.
struct Closure : Obj {
  Proto* proto;
  Obj* gclist;
  uint32_t nupvals() const { return extra; }
  Upvalue** upvals() { return reinterpret_cast<Upvalue**>(this + 1); }
  Upvalue* const* upvals() const { return reinterpret_cast<Upvalue* const*>(this + 1); }
};

// A C++ function value with a name (for printing and messages), host data (not traced)
// and one traced value of its own (`data`).
struct Native : Obj {
  NativeFn fn;
  void* ud;
  String* name;
  Value data;
  Obj* gclist;
};

// The sizes of blocks with variable parts (pointer arrays: sizeof of a pointer on purpose).
inline size_t closure_bytes(uint32_t nupvals) {
  return sizeof(Closure) +
         size_t(nupvals) * sizeof(Upvalue*);  // NOLINT(bugprone-sizeof-expression)
}
// A proto's one block: constants, nested protos, code, lines, upvalue descriptions.
inline size_t proto_block_bytes(uint32_t ncode, uint32_t nconsts, uint32_t nprotos,
                                uint32_t nupvals, bool lines) {
  return size_t(nconsts) * sizeof(Value) +
         size_t(nprotos) * sizeof(Proto*) +  // NOLINT(bugprone-sizeof-expression)
         size_t(ncode) * 4 * (lines ? 2 : 1) + size_t(nupvals) * sizeof(UpvalDesc);
}

// The sizes docs/VM.md quotes.
static_assert(sizeof(String) == 24 && sizeof(Array) == 40 && sizeof(Map) == 48 &&
              sizeof(Upvalue) == 40 && sizeof(Closure) == 32 && sizeof(Native) == 64 &&
              sizeof(Proto) == 104);

}  // namespace hako::vm

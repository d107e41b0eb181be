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

// A map entry: the key's and the value's payloads, their tags as bytes, and the key's hash,
// in 24 bytes (two Values would take 32). A deleted entry keeps its place with key_tag
// kDeadKey. The tags are read and written only here, as bytes.
constexpr uint8_t kDeadKey = 0xFF;
struct MapEntry {
  uint64_t key_bits;
  uint64_t val_bits;
  uint8_t key_tag;
  uint8_t val_tag;
  uint16_t pad_;
  uint32_t hash;
  Value key() const {
    Value k;
    k.bits = key_bits;
    k.tag = key_tag;
    return k;
  }
  Value value() const {
    Value v;
    v.bits = val_bits;
    v.tag = val_tag;
    return v;
  }
  void set_value(Value v) {
    val_bits = v.bits;
    val_tag = static_cast<uint8_t>(v.tag);
  }
  bool live() const { return key_tag != kDeadKey; }
};
static_assert(sizeof(MapEntry) == 24, "a map entry is three words");

// An insertion-ordered hash map (map.h). Entries are appended in insertion order; maps of
// more than kMapLinear slots also have an open-addressing index of 2*cap slots (entry
// positions, 1, 2 or 4 bytes each as cap needs: map_index_width) right after the entries,
// in the same block.
constexpr uint32_t kMapLinear = 8;
struct Map : Obj {
  MapEntry* entries;  // cap entries [+ index] (site vm.map.store)
  uint32_t used;      // entries[0, used) have been filled; dead ones included
  uint32_t count;     // live entries
  uint32_t cap;       // 0 or a power of two
  uint32_t pad_;
  Obj* gclist;
  void* index() { return entries + cap; }
  const void* index() const { return entries + cap; }
};

// A box: one mutable variable that closures share (docs/BYTECODE.md, "Closures, upvalues
// and boxes"). The compiler keeps a captured variable that is ever assigned in a box from its
// declaration on: its register holds the box (NEWBOX), closures copy the box, and reads and
// writes go through it. A Value with tag kBox points at one; such values live only in
// registers and closures, never in arrays, maps or globals.
struct Box : Obj {
  Value value;
};

// How CLOSURE fills upvalue i of a new closure (bc::UpvalKind): a copy of register `index`
// of the frame running CLOSURE (a value, or a box), a copy of upvalue `index` of the closure
// running CLOSURE, or the new closure itself.
enum class UpvalKind : uint8_t { kLocal, kUpval, kSelf };
struct UpvalDesc {
  UpvalKind kind;
  uint8_t index;
};

// Instructions from `pc` on (up to the next run) come from source line `line`.
struct LineRun {
  uint32_t pc;
  uint32_t line;
};

// A compiled function, loaded from a bc::Proto (interp.h): its code and what the code
// refers to, in one block the runtime owns (proto_reserve). The GC traces consts, protos,
// name and source. GETGLOBAL/SETGLOBAL in `code` carry positions in the runtime's globals
// map instead of the unit's global numbers (resolved once, at load). Below the constants,
// in reverse order, each has a 16-bit field hint (field_hint): the map entry position
// where GETFIELD/SETFIELD with that key found it last — an inline cache the interpreter
// reaches from its constants pointer, without another load.
struct Proto : Obj {
  uint32_t* code;     // ncode instructions (vm/bytecode.h)
  Value* consts;      // nconsts constants
  Proto** protos;     // nprotos nested functions
  UpvalDesc* upvals;  // nupvals capture descriptions
  LineRun* lines;     // nlines runs, sorted by pc, the first at pc 0 (or none)
  String* name;       // the function's name, nullptr when anonymous
  String* source;     // the chunk's file name, or nullptr
  uint32_t ncode, nconsts, nprotos, nupvals, nlines;
  uint32_t line;     // where the function starts
  uint16_t nparams;  // parameters
  uint16_t nregs;    // frame size in registers
  Obj* gclist;
};

// A function value: a prototype and its upvalues (Obj::extra of them), each a captured
// value or a box (tag kBox). The runtime creates it with nil upvalues.
struct Closure : Obj {
  Proto* proto;
  Obj* gclist;
  uint32_t nupvals() const { return extra; }
  Value* upvals() { return reinterpret_cast<Value*>(this + 1); }
  const Value* upvals() const { return reinterpret_cast<const Value*>(this + 1); }
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

// The inline cache of constant c (a field name) of a proto whose constants are at k.
inline uint16_t* field_hint(const Value* k, unsigned c) {
  return const_cast<uint16_t*>(reinterpret_cast<const uint16_t*>(k)) - 1 - c;
}
// The bytes of a proto's field hints, padded so that the constants after them stay aligned.
inline size_t proto_hint_bytes(uint32_t nconsts) {
  return (size_t(nconsts) * 2 + 15) & ~size_t{15};
}

// The sizes of blocks with variable parts (pointer arrays: sizeof of a pointer on purpose).
inline size_t closure_bytes(uint32_t nupvals) {
  return sizeof(Closure) + size_t(nupvals) * sizeof(Value);
}
// A proto's one block, by alignment: field hints, constants, nested protos, line runs,
// code, upvalue descriptions.
inline size_t proto_block_bytes(uint32_t ncode, uint32_t nconsts, uint32_t nprotos,
                                uint32_t nupvals, uint32_t nlines) {
  return proto_hint_bytes(nconsts) + size_t(nconsts) * sizeof(Value) +
         size_t(nprotos) * sizeof(Proto*) +  // NOLINT(bugprone-sizeof-expression)
         size_t(nlines) * sizeof(LineRun) + size_t(ncode) * 4 + size_t(nupvals) * sizeof(UpvalDesc);
}

// The sizes docs/VM.md quotes.
static_assert(sizeof(String) == 24 && sizeof(Array) == 40 && sizeof(Map) == 48 &&
              sizeof(Box) == 32 && sizeof(Closure) == 32 && sizeof(Native) == 64 &&
              sizeof(Proto) == 112);

}  // namespace hako::vm

// The globals of one compilation: names the code may use without a local declaration (the
// builtins, names the host or an earlier chunk defined, and the chunk's own top-level `let`
// and `fn`), and the index of each one the code actually uses (bc::Unit::globals()).
#pragma once

#include <cstdint>
#include <string_view>

#include "vm/mir/mir.h"

namespace hako::mir {

class GlobalTable {
 public:
  enum class State : uint8_t {
    Predefined,  // a builtin or a name given by the host: usable everywhere
    Later,       // declared at the top level of the chunk, further down
    Declared,    // declared at the top level, and the chunk's own code has passed it
  };
  struct Entry {
    std::string_view name;
    State state;
    bool in_chunk = false;       // the chunk declares it at the top level
    int32_t index = -1;          // in names(), once used
    uint32_t line = 0, col = 0;  // of the first top-level declaration
  };

  // Adds `name` unless it is there; returns its entry.
  Entry* declare(std::string_view name, State state, uint32_t line = 0, uint32_t col = 0);
  Entry* find(std::string_view name);
  // The global index of `e`, given on first use.
  uint32_t index(Entry* e);
  const Vec<std::string_view, "mir.global">& names() const { return names_; }
  void clear();

 private:
  void rehash(size_t cap);
  Vec<Entry, "mir.global"> entries_;
  Vec<uint32_t, "mir.global"> slots_;  // open addressing: entry + 1, 0 = empty
  Vec<std::string_view, "mir.global"> names_;
};

uint64_t hash_string(std::string_view s);

}  // namespace hako::mir

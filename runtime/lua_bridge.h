// Lua 5.4 on hakmem: a lua_Alloc whose new blocks are tagged with what Lua wants them for
// (its type hint), with a byte count per state and an optional limit. docs/LUA.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hakmem.h"

struct lua_State;

namespace hako::lua {

// One state's memory, in the sizes Lua asked for (exact on every backend: Lua passes the
// old size of each block). A request that would take `used` above a nonzero `limit` fails;
// Lua then collects and retries once, and raises "not enough memory" if it fails again.
struct Memory {
  size_t used = 0, peak = 0;
  size_t limit = 0;      // 0: none
  uint64_t refused = 0;  // requests that failed (over the limit, or out of memory)
  // false: new blocks go untagged (hakmem's implicit, sampled site), which spares them
  // the exact per-site accounting; for measuring what the tags cost.
  bool tags = true;
  // The site of each hint below 16 (site_for_hint's, looked up once: the first new block
  // fills the table), for the allocations' fast path.
  hak_site_t sites[16] = {};
};

// The lua_Alloc; `ud` is a Memory*. nsize 0 frees and returns NULL; a failed request returns
// NULL and leaves the old block as it was; shrinking never fails (Lua counts on it). A new
// block (ptr NULL) goes to the site of Lua's hint in osize, a resized one keeps its site.
void* alloc(void* ud, void* ptr, size_t osize, size_t nsize);

// The site for Lua's hint: lua.string, lua.table, lua.function, lua.userdata, lua.thread,
// or lua.other (anything else: arrays, hash parts, stacks, prototypes, upvalues).
hak_site_t site_for_hint(size_t hint);

// lua_newstate on `alloc` with luaL_newstate's panic and warning functions (warnings off
// until "@on"). `mem` must outlive the state. NULL when the state cannot be allocated.
lua_State* new_state(Memory* mem);

}  // namespace hako::lua

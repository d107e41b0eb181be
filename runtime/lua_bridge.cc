#include "runtime/lua_bridge.h"

#include <cstdio>
#include <cstring>
#include <lua5.4/lua.hpp>

namespace hako::lua {

hak_site_t site_for_hint(size_t hint) {
  switch (hint) {
    case LUA_TSTRING:
      return HAK_SITE("lua.string");
    case LUA_TTABLE:
      return HAK_SITE("lua.table");
    case LUA_TFUNCTION:
      return HAK_SITE("lua.function");
    case LUA_TUSERDATA:
      return HAK_SITE("lua.userdata");
    case LUA_TTHREAD:
      return HAK_SITE("lua.thread");
    default:
      return HAK_SITE("lua.other");
  }
}

namespace {

hak_site_t site_of(Memory* m, size_t hint) {
  if (__builtin_expect(m->sites[0] == 0, 0))
    for (size_t h = 0; h < 16; ++h) m->sites[h] = site_for_hint(h);
  return hint < 16 ? m->sites[hint] : m->sites[0];  // (0: no object, lua.other)
}

}  // namespace

void* alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* m = static_cast<Memory*>(ud);
  if (nsize == 0) {
    if (ptr) {
      hak_free(ptr);
      m->used -= osize;
    }
    return nullptr;
  }
  size_t old = ptr ? osize : 0;  // without a block, osize is the hint
  if (nsize > old && m->limit && m->used - old + nsize > m->limit) {
    m->refused++;
    return nullptr;
  }
  // A resized block keeps the site it was allocated at (site 0: hakmem's own record).
  void* p = ptr      ? hak_realloc_at(ptr, nsize, 0)
            : m->tags ? hak_alloc_at(nsize, site_of(m, osize))
                      : hak_malloc(nsize);
  if (!p) {
    if (ptr && nsize <= old) return ptr;  // a shrink that could not move: the block still fits
    m->refused++;
    return nullptr;
  }
  m->used = m->used - old + nsize;
  if (m->used > m->peak) m->peak = m->used;
  return p;
}

namespace {

// luaL_newstate's panic and warning functions (lauxlib.c), which it does not export.
int panic(lua_State* L) {
  const char* msg = lua_tostring(L, -1);
  std::fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n",
               msg ? msg : "error object is not a string");
  return 0;  // Lua aborts
}

void warn_off(void* ud, const char* msg, int tocont);
void warn_on(void* ud, const char* msg, int tocont);

// "@on" and "@off" switch warnings; other messages starting with '@' are ignored.
bool warn_control(lua_State* L, const char* msg, int tocont) {
  if (tocont || *msg != '@') return false;
  if (std::strcmp(msg + 1, "off") == 0) lua_setwarnf(L, warn_off, L);
  if (std::strcmp(msg + 1, "on") == 0) lua_setwarnf(L, warn_on, L);
  return true;
}

void warn_off(void* ud, const char* msg, int tocont) {
  warn_control(static_cast<lua_State*>(ud), msg, tocont);
}

// The rest of a message given in parts.
void warn_cont(void* ud, const char* msg, int tocont) {
  auto* L = static_cast<lua_State*>(ud);
  std::fputs(msg, stderr);
  if (tocont) {
    lua_setwarnf(L, warn_cont, L);
  } else {
    std::fputs("\n", stderr);
    lua_setwarnf(L, warn_on, L);
  }
}

void warn_on(void* ud, const char* msg, int tocont) {
  if (warn_control(static_cast<lua_State*>(ud), msg, tocont)) return;
  std::fputs("Lua warning: ", stderr);
  warn_cont(ud, msg, tocont);
}

}  // namespace

lua_State* new_state(Memory* mem) {
  lua_State* L = lua_newstate(alloc, mem);
  if (L) {
    lua_atpanic(L, panic);
    lua_setwarnf(L, warn_off, L);
  }
  return L;
}

}  // namespace hako::lua

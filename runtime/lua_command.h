// `hako lua [--report[=TARGET]] [--limit BYTES] FILE.lua [ARGS...]`: runs a Lua 5.4 program
// with the standard libraries on hakmem (runtime/lua_bridge.h), as lua5.4 runs a script.
#pragma once

namespace hako::lua {

// argv[0..first-1] is the command line up to the command ("hako", "lua"), argv[first..] its
// arguments; the `arg` table gets them all, the script at index 0, as lua5.4 does. Returns
// the exit status: 0 ok, 1 a Lua error (syntax, runtime, memory), 2 usage or a file that
// cannot be opened.
int command(int argc, char** argv, int first);

}  // namespace hako::lua

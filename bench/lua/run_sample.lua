-- bench/lua/run_sample.lua SAMPLE.lua [ARGS...]: runs SAMPLE as `lua5.4 SAMPLE.lua ARGS`
-- would (arg[0] the sample, arg[1..] its arguments), then says on stderr which allocator
-- libraries the process has mapped (proof that an LD_PRELOAD took, or did not) and its
-- peak RSS (VmHWM: the process's own, unlike wait4's ru_maxrss, which also counts the
-- parent's pages from before the exec). For bench/lua/run.py and `hako compare`.
-- With HAKO_GC_COUNT set it also counts the collector's cycles: Lua has no counter for
-- them, so a sentinel table with a finalizer is dropped, and on each collection that
-- frees it the finalizer counts one and drops a new one (docs/COMPARE.md).
local function slurp(path)
  local f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  return text
end

local maps = slurp("/proc/self/maps")
local mapped = {}
for _, lib in ipairs({"libmimalloc", "libjemalloc", "libtcmalloc", "libhakmem"}) do
  if maps:find(lib, 1, true) then mapped[#mapped + 1] = lib end
end

local gc_cycles = -1
if os.getenv("HAKO_GC_COUNT") then
  gc_cycles = 0
  local sentinel = {}
  sentinel.__gc = function()
    gc_cycles = gc_cycles + 1
    setmetatable({}, sentinel)
  end
  setmetatable({}, sentinel)
end

local script = assert(arg[1], "usage: run_sample.lua SAMPLE.lua [ARGS...]")
local chunk = assert(loadfile(script))
local args = table.pack(select(2, ...))
arg = {[0] = script, table.unpack(args, 1, args.n)}
chunk(table.unpack(args, 1, args.n))
io.stdout:flush()

local hwm = slurp("/proc/self/status"):match("VmHWM:%s*(%d+)")
io.stderr:write(("bench-lua: mapped=%s vmhwm_kb=%s%s\n"):format(
  #mapped > 0 and table.concat(mapped, ",") or "none", hwm or "?",
  gc_cycles >= 0 and (" gc_cycles=%d"):format(gc_cycles) or ""))

-- The Lua 5.4 twin of json_bench.hako, with lua-cjson: `lua5.4 json_bench.lua FILE MODE N`.
local cjson = require("cjson")
local f = assert(io.open(arg[1], "rb"))
local text = f:read("a")
f:close()
local mode, n = arg[2], tonumber(arg[3])
local value = cjson.decode(text)
local out = ""
for _ = 1, n do
  if mode == "parse" then
    value = cjson.decode(text)
  else
    out = cjson.encode(value)
  end
end
print(#text, #out)

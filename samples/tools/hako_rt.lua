-- hako_rt.lua: the runtime of hakolua.py, a stand-in that runs Hako programs
-- on Lua 5.4 by translation, to check the samples before the VM runs them.
-- It follows docs/LANGUAGE.md strictly where the samples could go wrong:
-- arrays are 0-based and bounds-checked, maps keep insertion order and hold
-- nil, arithmetic and comparisons check their operand types, string.format
-- takes only the documented conversions. It is not the VM and is slow.

local R = {}
local ARR = {__name = "hako array"}
local MAP = {__name = "hako map"}
local mtype, floor, ceil, tointeger = math.type, math.floor, math.ceil, math.tointeger
local sformat, sbyte, ssub, sfind, srep, schar = string.format, string.byte, string.sub,
  string.find, string.rep, string.char
local getmetatable, setmetatable, select, type, error = getmetatable, setmetatable, select, type, error

local function fail(msg)
  error("hako: " .. msg, 0)
end

local function htype(x)
  local t = type(x)
  if t == "nil" then return "nil" end
  if t == "boolean" then return "bool" end
  if t == "number" then return mtype(x) == "integer" and "int" or "float" end
  if t == "string" then return "string" end
  if t == "function" then return "function" end
  local mt = getmetatable(x)
  if mt == ARR then return "array" end
  if mt == MAP then return "map" end
  fail("not a Hako value: " .. tostring(x))
end
R.type = htype

-- ---- arrays and maps ----

local function new_array(n, ...)
  local a = setmetatable({n = n}, ARR)
  for i = 1, n do
    a[i] = (select(i, ...))
  end
  return a
end
R.arr = new_array

local function norm_key(k)
  if k == nil then fail("nil as a map key") end
  if k ~= k then fail("NaN as a map key") end
  if mtype(k) == "float" then
    local i = tointeger(k)
    if i then return i end
  end
  return k
end

local function new_map()
  return setmetatable({keys = {}, vals = {}, pos = {}, count = 0}, MAP)
end

local function map_set(m, k, v)
  k = norm_key(k)
  if not m.pos[k] then
    m.count = m.count + 1
    m.keys[m.count] = k
    m.pos[k] = m.count
  end
  m.vals[k] = v
end

local function map_get(m, k)
  if k == nil or k ~= k then return nil end
  return m.vals[norm_key(k)]
end

local function map_delete(m, k)
  k = norm_key(k)
  local p = m.pos[k]
  if not p then return end
  table.remove(m.keys, p)
  m.count = m.count - 1
  m.pos[k] = nil
  m.vals[k] = nil
  for i = p, m.count do
    m.pos[m.keys[i]] = i
  end
end

function R.map(n, ...)
  local m = new_map()
  for i = 1, n, 2 do
    local k, v = select(i, ...)
    map_set(m, k, v)
  end
  return m
end

local function check_index(a, i, limit)
  if mtype(i) ~= "integer" then
    fail("array index is not an int: " .. tostring(i))
  end
  if i < 0 or i >= limit then
    fail(sformat("array index %d out of range (length %d)", i, a.n))
  end
end

function R.get(o, k)
  local mt = getmetatable(o)
  if mt == MAP then
    return map_get(o, k)
  elseif mt == ARR then
    check_index(o, k, o.n)
    return o[k + 1]
  elseif type(o) == "string" then
    if mtype(k) ~= "integer" or k < 0 or k >= #o then
      fail("string index out of range: " .. tostring(k))
    end
    return ssub(o, k + 1, k + 1)
  end
  fail("cannot index a " .. htype(o) .. " with " .. tostring(k))
end

function R.set(o, k, v)
  local mt = getmetatable(o)
  if mt == MAP then
    map_set(o, k, v)
  elseif mt == ARR then
    check_index(o, k, o.n + 1)
    if k == o.n then o.n = o.n + 1 end
    o[k + 1] = v
  else
    fail("cannot assign into a " .. htype(o))
  end
end

function R.method(o, name, ...)
  local f = R.get(o, name)
  if type(f) ~= "function" then
    fail("method " .. name .. " is not a function")
  end
  return (f(o, ...))
end

-- ---- operators ----

local function num(x, op)
  if type(x) ~= "number" then
    fail("operator " .. op .. " on a " .. htype(x))
  end
  return x
end

function R.add(a, b) return num(a, "+") + num(b, "+") end
function R.sub(a, b) return num(a, "-") - num(b, "-") end
function R.mul(a, b) return num(a, "*") * num(b, "*") end
function R.div(a, b) return num(a, "/") / num(b, "/") end
function R.pow(a, b) return num(a, "**") ^ num(b, "**") end
function R.neg(a) return -num(a, "unary -") end
function R.idiv(a, b)
  num(a, "//"); num(b, "//")
  if mtype(a) == "integer" and mtype(b) == "integer" and b == 0 then fail("integer // 0") end
  return a // b
end
function R.mod(a, b)
  num(a, "%"); num(b, "%")
  if mtype(a) == "integer" and mtype(b) == "integer" and b == 0 then fail("integer % 0") end
  return a % b
end

local function comparable(a, b, op)
  local ta, tb = type(a), type(b)
  if not ((ta == "number" and tb == "number") or (ta == "string" and tb == "string")) then
    fail("operator " .. op .. " on a " .. htype(a) .. " and a " .. htype(b))
  end
end
function R.lt(a, b) comparable(a, b, "<"); return a < b end
function R.le(a, b) comparable(a, b, "<="); return a <= b end
function R.gt(a, b) comparable(a, b, ">"); return a > b end
function R.ge(a, b) comparable(a, b, ">="); return a >= b end

-- ---- printing values ----

local function float_repr(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  if x == 0 then
    return (1 / x < 0) and "-0.0" or "0.0"
  end
  local s
  for p = 1, 17 do
    s = sformat("%." .. (p - 1) .. "e", x)
    if tonumber(s) == x then break end
  end
  local sign, d1, rest, e = s:match("^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = (d1 .. rest):gsub("0+$", "")
  if digits == "" then digits = "0" end
  local exp = tonumber(e)
  if exp >= -4 and exp < 16 then
    local out
    if exp < 0 then
      out = "0." .. srep("0", -exp - 1) .. digits
    elseif #digits <= exp + 1 then
      out = digits .. srep("0", exp + 1 - #digits) .. ".0"
    else
      out = digits:sub(1, exp + 1) .. "." .. digits:sub(exp + 2)
    end
    return sign .. out
  end
  local mant = digits:sub(1, 1)
  if #digits > 1 then mant = mant .. "." .. digits:sub(2) end
  local es = exp < 0 and "-" or "+"
  return sign .. mant .. "e" .. es .. sformat("%02d", math.abs(exp))
end
R.float_repr = float_repr

local function json_quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    if c == "\r" then return "\\r" end
    if c == "\b" then return "\\b" end
    if c == "\f" then return "\\f" end
    return sformat("\\u%04x", sbyte(c))
  end) .. '"'
end

local function str(x, inner, seen)
  local t = htype(x)
  if t == "nil" then return "nil" end
  if t == "bool" then return tostring(x) end
  if t == "int" then return sformat("%d", x) end
  if t == "float" then return float_repr(x) end
  if t == "string" then return inner and json_quote(x) or x end
  if t == "function" then return "<function>" end
  seen = seen or {}
  if seen[x] then return t == "array" and "[...]" or "{...}" end
  seen[x] = true
  local parts = {}
  if t == "array" then
    for i = 1, x.n do parts[i] = str(x[i], true, seen) end
    seen[x] = nil
    return "[" .. table.concat(parts, ", ") .. "]"
  end
  for i = 1, x.count do
    local k = x.keys[i]
    parts[i] = str(k, true, seen) .. ": " .. str(x.vals[k], true, seen)
  end
  seen[x] = nil
  return "{" .. table.concat(parts, ", ") .. "}"
end
R.str = function(x) return str(x) end

function R.cat(a, b)
  local ta, tb = type(a), type(b)
  if not (ta == "string" or ta == "number") or not (tb == "string" or tb == "number") then
    fail("operator .. on a " .. htype(a) .. " and a " .. htype(b))
  end
  return str(a) .. str(b)
end

-- ---- iteration ----

function R.values(a)
  if getmetatable(a) ~= ARR then fail("for (v in x) over a " .. htype(a)) end
  local i = 0
  return function()
    if i >= a.n then return nil end
    i = i + 1
    return i, a[i]
  end
end

function R.pairs(o)
  local mt = getmetatable(o)
  if mt == ARR then
    local i = 0
    return function()
      if i >= o.n then return nil end
      i = i + 1
      return i - 1, o[i]
    end
  elseif mt == MAP then
    local i = 0
    return function()
      if i >= o.count then return nil end
      i = i + 1
      local k = o.keys[i]
      return k, o.vals[k]
    end
  end
  fail("for (k, v in x) over a " .. htype(o))
end

function R.range_last(b, step)
  if mtype(step) ~= "integer" or step == 0 then fail("range step must be a non-zero int") end
  if step > 0 then return b - 1 end
  return b + 1
end

-- ---- builtins ----

local env = {}
R.env = env

local function want(cond, msg)
  if not cond then fail(msg) end
end

local function is_array(a) return getmetatable(a) == ARR end
local function is_map(m) return getmetatable(m) == MAP end

local function to_lua_list(a)
  local t = {}
  for i = 1, a.n do t[i] = a[i] end
  return t
end

local function from_list(t, n)
  local a = setmetatable({n = n or #t}, ARR)
  for i = 1, a.n do a[i] = t[i] end
  return a
end

local out = io.stdout
env.print = function(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = str((select(i, ...))) end
  out:write(table.concat(parts, "\t"), "\n")
end
env.len = function(x)
  if type(x) == "string" then return #x end
  want(is_array(x), "len of a " .. htype(x))
  return x.n
end
env.push = function(a, v)
  want(is_array(a), "push onto a " .. htype(a))
  a.n = a.n + 1
  a[a.n] = v
end
env.pop = function(a)
  want(is_array(a) and a.n > 0, "pop from an empty array or a non-array")
  local v = a[a.n]
  a[a.n] = nil
  a.n = a.n - 1
  return v
end
env.insert = function(a, i, v)
  want(is_array(a), "insert into a " .. htype(a))
  check_index(a, i, a.n + 1)
  table.insert(a, i + 1, v)
  a.n = a.n + 1
end
env.remove = function(a, i)
  want(is_array(a), "remove from a " .. htype(a))
  check_index(a, i, a.n)
  local v = a[i + 1]
  for j = i + 1, a.n - 1 do a[j] = a[j + 1] end
  a[a.n] = nil
  a.n = a.n - 1
  return v
end
env.keys = function(m)
  want(is_map(m), "keys of a " .. htype(m))
  return from_list(m.keys, m.count)
end
env.has = function(m, k)
  want(is_map(m), "has on a " .. htype(m))
  return m.pos[norm_key(k)] ~= nil
end
env.delete = function(m, k)
  want(is_map(m), "delete on a " .. htype(m))
  map_delete(m, k)
end
env.type = htype
env.str = R.str
env.int = function(x)
  local t = htype(x)
  if t == "int" then return x end
  if t == "float" then
    local v = x >= 0 and floor(x) or ceil(x)
    return tointeger(v)
  end
  if t == "string" then
    local s = x:match("^%s*([-+]?%d+)%s*$")
    if s then return tointeger(tonumber(s)) end
    local f = tonumber(x)
    if f then return env.int(f + 0.0) end
    return nil
  end
  fail("int of a " .. t)
end
env.float = function(x)
  if type(x) == "number" then return x + 0.0 end
  if type(x) == "string" then
    local f = tonumber(x)
    return f and f + 0.0 or nil
  end
  fail("float of a " .. htype(x))
end
env.range = function(a, b, step)
  step = step or 1
  local t, n = {}, 0
  for i = a, R.range_last(b, step), step do
    n = n + 1
    t[n] = i
  end
  return from_list(t, n)
end
env.clock = os.clock
env.error = function(v) error(v, 0) end
env.assert = function(c, msg)
  if c == nil or c == false then error(msg or "assertion failed", 0) end
  return c
end
env.pcall = function(f, ...)
  local ok, v = pcall(f, ...)
  if ok then return R.map(4, "ok", true, "value", v) end
  return R.map(4, "ok", false, "error", v)
end

local function merge_sort(t, n, less)
  if n < 2 then return t end
  local tmp = {}
  local width = 1
  while width < n do
    local i = 1
    while i <= n do
      local mid = math.min(i + width, n + 1)
      local hi = math.min(i + 2 * width, n + 1)
      local a, b, k = i, mid, i
      while a < mid and b < hi do
        if less(t[b], t[a]) then
          tmp[k] = t[b]; b = b + 1
        else
          tmp[k] = t[a]; a = a + 1
        end
        k = k + 1
      end
      while a < mid do tmp[k] = t[a]; a = a + 1; k = k + 1 end
      while b < hi do tmp[k] = t[b]; b = b + 1; k = k + 1 end
      i = i + 2 * width
    end
    t, tmp = tmp, t
    width = width * 2
  end
  return t
end

env.sort = function(a, less)
  want(is_array(a), "sort of a " .. htype(a))
  local cmp
  if less == nil then
    cmp = R.lt
  else
    cmp = function(x, y)
      local r = less(x, y)
      return r ~= nil and r ~= false
    end
  end
  local t = merge_sort(to_lua_list(a), a.n, cmp)
  for i = 1, a.n do a[i] = t[i] end
end

local function module(fields)
  local m = new_map()
  for k, v in pairs(fields) do map_set(m, k, v) end
  return m
end

env.math = module({
  sqrt = math.sqrt, sin = math.sin, cos = math.cos, tan = math.tan, atan = math.atan,
  exp = math.exp, log = math.log, floor = math.floor, ceil = math.ceil, abs = math.abs,
  min = math.min, max = math.max, fmod = math.fmod, pi = math.pi, huge = math.huge,
})

local function clamp_index(i, n)
  if i < 0 then i = i + n end
  if i < 0 then i = 0 end
  if i > n then i = n end
  return i
end

local function want_string(s, what)
  want(type(s) == "string", what .. " of a " .. htype(s))
  return s
end

local FORMAT_OK = {d = true, i = true, f = true, s = true, x = true}

env.string = module({
  sub = function(s, i, j)
    want_string(s, "string.sub")
    want(mtype(i) == "integer" and (j == nil or mtype(j) == "integer"), "string.sub indexes must be ints")
    local n = #s
    i = clamp_index(i, n)
    j = j == nil and n or clamp_index(j, n)
    if j <= i then return "" end
    return ssub(s, i + 1, j)
  end,
  find = function(s, needle, start)
    want_string(s, "string.find"); want_string(needle, "string.find")
    start = start == nil and 0 or clamp_index(start, #s)
    local i = sfind(s, needle, start + 1, true)
    return i and i - 1 or nil
  end,
  upper = function(s) return want_string(s, "string.upper"):upper() end,
  lower = function(s) return want_string(s, "string.lower"):lower() end,
  rep = function(s, n) return srep(want_string(s, "string.rep"), n) end,
  byte = function(s, i)
    want_string(s, "string.byte")
    want(mtype(i) == "integer" and i >= 0 and i < #s, "string.byte index out of range")
    return sbyte(s, i + 1)
  end,
  char = function(n) return schar(n) end,
  split = function(s, sep)
    want_string(s, "string.split"); want_string(sep, "string.split")
    want(#sep > 0, "string.split with an empty separator")
    local t, n, start = {}, 0, 1
    while true do
      local i = sfind(s, sep, start, true)
      n = n + 1
      if not i then
        t[n] = ssub(s, start)
        return from_list(t, n)
      end
      t[n] = ssub(s, start, i - 1)
      start = i + #sep
    end
  end,
  join = function(a, sep)
    want(is_array(a), "string.join of a " .. htype(a))
    for i = 1, a.n do want(type(a[i]) == "string", "string.join of an array with a " .. htype(a[i])) end
    return table.concat(to_lua_list(a), sep)
  end,
  format = function(fmt, ...)
    want_string(fmt, "string.format")
    local args = table.pack(...)
    local argi = 0
    local result = fmt:gsub("%%([^%a%%]*)([%a%%])", function(spec, conv)
      if conv == "%" then
        want(spec == "", "string.format: %" .. spec .. "%")
        return "%"
      end
      want(FORMAT_OK[conv], "string.format: conversion %" .. spec .. conv .. " is not in the contract")
      local width, prec = spec:match("^(%d*)(%.?%d*)$")
      want(width ~= nil, "string.format: flags in %" .. spec .. conv .. " are not in the contract")
      want(prec == "" or conv == "f", "string.format: a precision only goes with %f")
      want(width == "" or conv ~= "s", "string.format: a width does not go with %s in the contract")
      argi = argi + 1
      local v = args[argi]
      if conv == "d" or conv == "i" or conv == "x" then
        want(mtype(v) == "integer", "string.format: %" .. conv .. " of a " .. htype(v))
        return sformat("%" .. spec .. (conv == "i" and "d" or conv), v)
      elseif conv == "f" then
        want(type(v) == "number", "string.format: %f of a " .. htype(v))
        return sformat("%" .. spec .. "f", v)
      end
      return str(v)
    end)
    return result
  end,
})

-- ---- json ----

local function json_parse(s)
  local pos = 1
  local function err(msg) fail(sformat("json.parse: %s at byte %d", msg, pos - 1)) end
  local function ws()
    pos = s:find("[^ \t\r\n]", pos) or #s + 1
  end
  local value
  local function utf8_char(cp) return utf8.char(cp) end
  local function parse_string()
    pos = pos + 1
    local parts = {}
    while true do
      local c = ssub(s, pos, pos)
      if c == "" then err("unterminated string") end
      if c == '"' then pos = pos + 1; break end
      if c == "\\" then
        local e = ssub(s, pos + 1, pos + 1)
        local map = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t"}
        if map[e] then
          parts[#parts + 1] = map[e]
          pos = pos + 2
        elseif e == "u" then
          local cp = tonumber(ssub(s, pos + 2, pos + 5), 16) or err("bad \\u escape")
          pos = pos + 6
          if cp >= 0xD800 and cp <= 0xDBFF and ssub(s, pos, pos + 1) == "\\u" then
            local lo = tonumber(ssub(s, pos + 2, pos + 5), 16)
            if lo and lo >= 0xDC00 and lo <= 0xDFFF then
              cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
              pos = pos + 6
            end
          end
          parts[#parts + 1] = utf8_char(cp)
        else
          err("bad escape")
        end
      else
        local j = s:find('["\\]', pos) or #s + 1
        parts[#parts + 1] = ssub(s, pos, j - 1)
        pos = j
      end
    end
    return table.concat(parts)
  end
  function value()
    ws()
    local c = ssub(s, pos, pos)
    if c == "{" then
      pos = pos + 1
      local m = new_map()
      ws()
      if ssub(s, pos, pos) == "}" then pos = pos + 1; return m end
      while true do
        ws()
        if ssub(s, pos, pos) ~= '"' then err("expected a key") end
        local k = parse_string()
        ws()
        if ssub(s, pos, pos) ~= ":" then err("expected :") end
        pos = pos + 1
        map_set(m, k, value())
        ws()
        local d = ssub(s, pos, pos)
        pos = pos + 1
        if d == "}" then return m end
        if d ~= "," then err("expected , or }") end
      end
    elseif c == "[" then
      pos = pos + 1
      local t, n = {}, 0
      ws()
      if ssub(s, pos, pos) == "]" then pos = pos + 1; return from_list(t, 0) end
      while true do
        n = n + 1
        t[n] = value()
        ws()
        local d = ssub(s, pos, pos)
        pos = pos + 1
        if d == "]" then return from_list(t, n) end
        if d ~= "," then err("expected , or ]") end
      end
    elseif c == '"' then
      return parse_string()
    elseif s:find("^true", pos) then pos = pos + 4; return true
    elseif s:find("^false", pos) then pos = pos + 5; return false
    elseif s:find("^null", pos) then pos = pos + 4; return nil
    end
    local numtext = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not numtext then err("unexpected text") end
    pos = pos + #numtext
    if numtext:find("^-?%d+$") then
      local v = tonumber(numtext)
      if mtype(v) == "integer" then return v end
      return v + 0.0
    end
    return tonumber(numtext) + 0.0
  end
  local v = value()
  ws()
  if pos <= #s then err("text after the value") end
  return v
end

local function json_stringify(v, indent)
  want(indent == nil, "json.stringify with an indent is not supported by hako_rt")
  local t = htype(v)
  if t == "nil" then return "null" end
  if t == "bool" then return tostring(v) end
  if t == "int" then return sformat("%d", v) end
  if t == "float" then
    want(v == v and v ~= math.huge and v ~= -math.huge, "json.stringify of nan or inf")
    return float_repr(v)
  end
  if t == "string" then return json_quote(v) end
  if t == "array" then
    local parts = {}
    for i = 1, v.n do parts[i] = json_stringify(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  if t == "map" then
    local parts = {}
    for i = 1, v.count do
      local k = v.keys[i]
      local ks
      if type(k) == "string" then ks = k
      elseif mtype(k) == "integer" then ks = sformat("%d", k)
      else fail("json.stringify of a map with a " .. htype(k) .. " key") end
      parts[i] = json_quote(ks) .. ":" .. json_stringify(v.vals[k])
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  fail("json.stringify of a " .. t)
end

env.json = module({parse = json_parse, stringify = json_stringify})

env.io = module({
  read_file = function(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("a")
    f:close()
    return s
  end,
  write_file = function(path, s)
    want_string(s, "io.write_file")
    local f = assert(io.open(path, "wb"))
    f:write(s)
    f:close()
  end,
  lines = function(path)
    local t, n = {}, 0
    for line in io.lines(path) do n = n + 1; t[n] = line end
    return from_list(t, n)
  end,
})

env.gc = module({
  collect = function() collectgarbage() end,
  stats = function()
    return R.map(8, "heap_bytes", floor(collectgarbage("count") * 1024), "objects", 0,
                 "cycles", 0, "pause_ms_total", 0.0)
  end,
})

function R.set_args(list)
  env.args = from_list(list, #list)
end

return R

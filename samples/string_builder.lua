-- string_builder: Lua 5.4 twin of string_builder.hako (same work, same
-- output). Offsets printed are 0-based, as in Hako.
-- Argument: N (default 2000).

local MOD = 1000000007

-- Hako's string.split(s, sep): every part, empty ones included.
local function split(s, sep)
  local parts = {}
  local start = 1
  while true do
    local i = s:find(sep, start, true)
    if i == nil then
      parts[#parts + 1] = s:sub(start)
      return parts
    end
    parts[#parts + 1] = s:sub(start, i - 1)
    start = i + #sep
  end
end

-- A hash of every step-th byte of s.
local function sampled_hash(s, step)
  local h = 0
  for i = 1, #s, step do
    h = (h * 31 + s:byte(i)) % MOD
  end
  return h
end

local n = tonumber(arg[1]) or 2000

-- 1. Lines by concatenation, joined.
local parts = {}
for i = 0, n - 1 do
  local line = "item " .. i .. ":"
  for j = 0, i % 8 - 1 do
    line = line .. " " .. string.char(97 + (i + j) % 26)
  end
  line = line .. ";"
  parts[#parts + 1] = line
end
local doc = table.concat(parts, "\n")
print(string.format("document: %d lines, %d bytes, hash %d", #parts, #doc, sampled_hash(doc, 7)))

-- 2. A buffer flushed into chunks.
local chunks = {}
local buffer = ""
for i = 0, n - 1 do
  buffer = buffer .. string.format("%d:%x,", i, i * 7919 % 65536)
  if i % 64 == 63 then
    chunks[#chunks + 1] = buffer
    buffer = ""
  end
end
chunks[#chunks + 1] = buffer
local csv = table.concat(chunks, "")
print(string.format("buffer: %d chunks, %d bytes, hash %d", #chunks, #csv, sampled_hash(csv, 3)))

-- 3. Doubling.
local block = "abcXYZ"
local doubled = block
local doublings = 0
while #doubled < n * 16 do
  doubled = doubled .. doubled
  doublings = doublings + 1
end
local same = doubled == string.rep(block, #doubled // #block)
print(string.format("doubling: %d times, %d bytes, equals string.rep %s",
                    doublings, #doubled, tostring(same)))

-- 4. Split, upper-case every 10th line, join.
local lines = split(doc, "\n")
local picked = {}
for i = 1, #lines, 10 do
  picked[#picked + 1] = lines[i]:upper()
end
local shout = table.concat(picked, "|")
print(string.format("split: %d lines back, %d picked, %d bytes, hash %d",
                    #lines, #picked, #shout, sampled_hash(shout, 5)))

-- 5. Counting a needle with string.find.
local count = 0
local last = -1
local at = doc:find("7: ", 1, true)
while at ~= nil do
  count = count + 1
  last = at - 1
  at = doc:find("7: ", at + 1, true)
end
print(string.format("find: %d occurrences of \"7: \", last at %d", count, last))

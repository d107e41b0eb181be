-- sort_big: Lua 5.4 twin of sort_big.hako (same work, same output).
-- Argument: N (default 20000). Lua 5.4 integers wrap around on overflow like
-- Hako's, and // and % floor in both, so the generator gives the same numbers.

local MOD = 1000000007

-- Knuth's MMIX generator; the top bits of the state are the most random.
local state = 88172645463325252
local function next_random()
  state = state * 6364136223846793005 + 1442695040888963407
  return state // 4294967296
end

local function checksum(a)
  local h = 0
  for _, v in ipairs(a) do
    h = (h * 31 + v) % MOD
  end
  return h
end

local function count_distinct(a)
  if #a == 0 then
    return 0
  end
  local distinct = 1
  for i = 2, #a do
    if a[i] ~= a[i - 1] then
      distinct = distinct + 1
    end
  end
  return distinct
end

-- 0-based index of the first element >= x in the ascending array a.
local function lower_bound(a, x)
  local lo = 0
  local hi = #a
  while lo < hi do
    local mid = (lo + hi) // 2
    if a[mid + 1] < x then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo
end

local n = tonumber(arg[1]) or 20000

-- ---- ints, ascending ----
local ints = {}
for i = 1, n do
  ints[i] = next_random() % 1000000000
end
table.sort(ints)
local ordered = true
for i = 2, n do
  if ints[i - 1] > ints[i] then
    ordered = false
  end
end
print(string.format("ints: %d sorted %s, min %d, median %d, max %d",
                    n, tostring(ordered), ints[1], ints[n // 2 + 1], ints[n]))
print(string.format("ints: %d distinct, checksum %d", count_distinct(ints), checksum(ints)))

local found = 0
local position_sum = 0
for i = 0, 999 do
  -- Every other search looks for a value that is there.
  local x = next_random() % 1000000000
  if i % 2 == 1 then
    x = ints[next_random() % n + 1]
  end
  local at = lower_bound(ints, x)
  position_sum = position_sum + at
  if at < n and ints[at + 1] == x then
    found = found + 1
  end
end
print(string.format("searches: 1000, found %d, position sum %d", found, position_sum))

-- ---- floats, descending through a comparison function ----
local m = n // 2
local floats = {}
for i = 1, m do
  floats[i] = (next_random() % 1000000) / 1024.0
end
table.sort(floats, function(a, b) return a > b end)
local descending = true
local float_sum = 0.0
for i = 1, m do
  if i > 1 and floats[i - 1] < floats[i] then
    descending = false
  end
  float_sum = float_sum + floats[i]
end
print(string.format("floats: %d sorted descending %s, first %.6f, last %.6f, sum %.4f",
                    m, tostring(descending), floats[1], floats[m], float_sum))

-- ---- a hand-written merge of two sorted runs ----
local left, right = {}, {}
for i = 0, n - 1 do
  local v = next_random() % 1000000
  if i % 2 == 0 then
    left[#left + 1] = v
  else
    right[#right + 1] = v
  end
end
table.sort(left)
table.sort(right)
local merged = {}
local i, j = 1, 1
while i <= #left and j <= #right do
  if left[i] <= right[j] then
    merged[#merged + 1] = left[i]
    i = i + 1
  else
    merged[#merged + 1] = right[j]
    j = j + 1
  end
end
while i <= #left do
  merged[#merged + 1] = left[i]
  i = i + 1
end
while j <= #right do
  merged[#merged + 1] = right[j]
  j = j + 1
end
local merge_ok = true
for k = 2, #merged do
  if merged[k - 1] > merged[k] then
    merge_ok = false
  end
end
print(string.format("merge: %d + %d = %d, ordered %s, checksum %d",
                    #left, #right, #merged, tostring(merge_ok), checksum(merged)))

-- closures: Lua 5.4 twin of closures.hako (same work, same output).
-- Argument: N (default 1000).

local MOD = 1000000007

local function map(a, f)
  local out = {}
  for _, v in ipairs(a) do
    out[#out + 1] = f(v)
  end
  return out
end

local function filter(a, keep)
  local out = {}
  for _, v in ipairs(a) do
    if keep(v) then
      out[#out + 1] = v
    end
  end
  return out
end

local function reduce(a, f, acc)
  for _, v in ipairs(a) do
    acc = f(acc, v)
  end
  return acc
end

local function make_counter(step)
  local count = 0
  return function()
    count = count + step
    return count
  end
end

local function make_cell(value)
  return {
    get = function()
      return value
    end,
    set = function(v)
      value = v
    end,
  }
end

local function compose(f, g)
  return function(x)
    return f(g(x))
  end
end

local function add(a)
  return function(b)
    return a + b
  end
end

local function memoize(f)
  local cache = {}
  return function(x)
    local hit = cache[x]
    if hit ~= nil then
      return hit
    end
    local value = f(x)
    cache[x] = value
    return value
  end
end

local n = tonumber(arg[1]) or 1000

-- 1. Each closure sees its own i.
local squares = {}
for i = 0, n - 1 do
  squares[#squares + 1] = function()
    return i * i % 1000
  end
end
local sum = 0
for _, f in ipairs(squares) do
  sum = sum + f()
end
print(string.format("loop captures: %d closures, sum %d", #squares, sum))

-- 2. Counters and shared state.
local counters = {}
for i = 0, 9 do
  counters[#counters + 1] = make_counter(i + 1)
end
local total = 0
for round = 0, n - 1 do
  total = total + counters[round % 10 + 1]()
end
local cell = make_cell(0)
for i = 0, n - 1 do
  cell.set(cell.get() + i % 7)
end
print(string.format("counters: total %d, last counter at %d, cell %d",
                    total, counters[10](), cell.get()))

-- 3. map, filter, reduce.
local numbers = {}
for i = 0, n - 1 do
  numbers[#numbers + 1] = i
end
local acc = 0
for round = 0, 9 do
  local scaled = map(numbers, function(x)
    return x * 3 + round
  end)
  local odd = filter(scaled, function(x)
    return x % 2 == 1
  end)
  acc = (acc + reduce(odd, function(a, x)
    return (a * 7 + x) % MOD
  end, 0)) % MOD
end
print(string.format("map/filter/reduce: %d", acc))

-- 4. Composition: f(x) = ((x + 1) * 3 % MOD) applied 100 times, built as
-- a chain of 100 closures, called n times.
local step = function(x)
  return (x + 1) * 3 % MOD
end
local chain = function(x)
  return x
end
for _ = 1, 100 do
  chain = compose(step, chain)
end
local composed = 0
for i = 0, n - 1 do
  composed = (composed + chain(i)) % MOD
end
print(string.format("composition: %d", composed))

-- 5. Currying.
local curried = 0
for i = 0, n - 1 do
  local add_i = add(i)
  curried = (curried + add_i(i * 2) + add(1)(i)) % MOD
end
print(string.format("currying: %d", curried))

-- 6. Memoized recursion: the number of ways to climb s stairs taking 1, 2
-- or 3 steps at a time, modulo MOD.
local ways = nil
ways = memoize(function(s)
  if s < 0 then
    return 0
  end
  if s == 0 then
    return 1
  end
  return (ways(s - 1) + ways(s - 2) + ways(s - 3)) % MOD
end)
local ways_sum = 0
for s = 0, n - 1 do
  ways_sum = (ways_sum + ways(s)) % MOD
end
print(string.format("memoized: ways(%d) = %d, sum %d", n - 1, ways(n - 1), ways_sum))

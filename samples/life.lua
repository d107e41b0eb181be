-- life: Lua 5.4 twin of life.hako (same work, same output).
-- Argument: N (default 32). Coordinates are 0-based like the Hako twin;
-- table slots are coordinate + 1.

local MOD = 1000000007
local seed = 7

-- The Park-Miller "minimal standard" generator: an int in [0, n).
local function random_int(n)
  seed = seed * 16807 % 2147483647
  return seed % n
end

local function new_grid(size)
  local grid = {}
  for _ = 1, size do
    local row = {}
    for _ = 1, size do
      if random_int(3) == 0 then
        row[#row + 1] = 1
      else
        row[#row + 1] = 0
      end
    end
    grid[#grid + 1] = row
  end
  -- A glider in the top-left corner.
  local glider = {{0, 1, 0}, {0, 0, 1}, {1, 1, 1}}
  for y = 1, 3 do
    for x = 1, 3 do
      grid[y][x] = glider[y][x]
    end
  end
  return grid
end

local function step(grid)
  local size = #grid
  local next = {}
  for y = 0, size - 1 do
    local up = grid[(y + size - 1) % size + 1]
    local row = grid[y + 1]
    local down = grid[(y + 1) % size + 1]
    local new_row = {}
    for x = 0, size - 1 do
      local l = (x + size - 1) % size + 1
      local c = x + 1
      local r = (x + 1) % size + 1
      local neighbours = up[l] + up[c] + up[r] + row[l] + row[r] + down[l] + down[c] + down[r]
      if neighbours == 3 or (neighbours == 2 and row[c] == 1) then
        new_row[#new_row + 1] = 1
      else
        new_row[#new_row + 1] = 0
      end
    end
    next[#next + 1] = new_row
  end
  return next
end

local function population(grid)
  local count = 0
  for _, row in ipairs(grid) do
    for _, cell in ipairs(row) do
      count = count + cell
    end
  end
  return count
end

local function grid_hash(grid)
  local h = 0
  for _, row in ipairs(grid) do
    for _, cell in ipairs(row) do
      h = (h * 2 + cell) % MOD
    end
  end
  return h
end

local n = tonumber(arg[1]) or 32
local grid = new_grid(n)
print(string.format("life on a %dx%d torus, %d generations", n, n, n))
print(string.format("generation %d: population %d", 0, population(grid)))
local report_every = math.max(1, n // 4)
for g = 1, n do
  grid = step(grid)
  if g % report_every == 0 or g == n then
    print(string.format("generation %d: population %d", g, population(grid)))
  end
end
print(string.format("final hash %d", grid_hash(grid)))

-- fannkuch: Lua 5.4 twin of fannkuch.hako (same work, same output).
-- Argument: N (default 7). The permutation holds the values 0..N-1 like the
-- Hako twin; only the array slots are 1-based.

local function fannkuch(n)
  local perm, perm1, count = {}, {}, {}
  for i = 0, n - 1 do
    perm[i + 1] = 0
    perm1[i + 1] = i
    count[i + 1] = 0
  end
  local max_flips = 0
  local checksum = 0
  local perm_index = 0
  local r = n
  while true do
    while r ~= 1 do
      count[r] = r
      r = r - 1
    end

    -- Count the flips for this permutation, on a copy.
    for i = 1, n do
      perm[i] = perm1[i]
    end
    local flips = 0
    local k = perm[1]
    while k ~= 0 do
      local i = 1
      local j = k + 1
      while i < j do
        local t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
        i = i + 1
        j = j - 1
      end
      flips = flips + 1
      k = perm[1]
    end
    max_flips = math.max(max_flips, flips)
    if perm_index % 2 == 0 then
      checksum = checksum + flips
    else
      checksum = checksum - flips
    end

    -- Go to the next permutation: rotate the first r + 1 elements until a
    -- counter does not run out.
    while true do
      if r == n then
        return checksum, max_flips
      end
      local first = perm1[1]
      for i = 1, r do
        perm1[i] = perm1[i + 1]
      end
      perm1[r + 1] = first
      count[r + 1] = count[r + 1] - 1
      if count[r + 1] > 0 then
        break
      end
      r = r + 1
    end
    perm_index = perm_index + 1
  end
end

local n = tonumber(arg[1]) or 7
local checksum, max_flips = fannkuch(n)
print(checksum)
print(string.format("Pfannkuchen(%d) = %d", n, max_flips))

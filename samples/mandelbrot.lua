-- mandelbrot: Lua 5.4 twin of mandelbrot.hako (same work, same output).
-- Argument: N (default 200).

local ITERATIONS = 50
local LIMIT2 = 4.0
local MOD = 1000000007

local n = tonumber(arg[1]) or 200

local inside = 0
local checksum = 0
for y = 0, n - 1 do
  local ci = 2.0 * y / n - 1.0
  local byte = 0
  local bits = 0
  for x = 0, n - 1 do
    local cr = 2.0 * x / n - 1.5
    local zr, zi, tr, ti = 0.0, 0.0, 0.0, 0.0
    local i = 0
    while i < ITERATIONS and tr + ti <= LIMIT2 do
      zi = 2.0 * zr * zi + ci
      zr = tr - ti + cr
      tr = zr * zr
      ti = zi * zi
      i = i + 1
    end
    byte = byte * 2
    if tr + ti <= LIMIT2 then
      byte = byte + 1
      inside = inside + 1
    end
    bits = bits + 1
    if bits == 8 or x == n - 1 then
      while bits < 8 do
        byte = byte * 2
        bits = bits + 1
      end
      checksum = (checksum * 31 + byte) % MOD
      byte = 0
      bits = 0
    end
  end
end
print(string.format("mandelbrot %dx%d: %d points inside, checksum %d", n, n, inside, checksum))

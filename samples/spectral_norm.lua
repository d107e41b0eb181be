-- spectral_norm: Lua 5.4 twin of spectral_norm.hako (same work, same output).
-- Argument: N (default 100). Vectors are 1-based here; the matrix formula
-- uses the 0-based indexes i - 1 and j - 1, as in the Hako twin.

local function a(i, j)
  local ij = i + j
  return 1.0 / (ij * (ij + 1) // 2 + i + 1)
end

-- av = A * v
local function mul_av(v, av, n)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do
      sum = sum + a(i, j) * v[j + 1]
    end
    av[i + 1] = sum
  end
end

-- atv = transpose(A) * v
local function mul_atv(v, atv, n)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do
      sum = sum + a(j, i) * v[j + 1]
    end
    atv[i + 1] = sum
  end
end

-- atav = transpose(A) * A * v
local function mul_atav(v, atav, tmp, n)
  mul_av(v, tmp, n)
  mul_atv(tmp, atav, n)
end

local n = tonumber(arg[1]) or 100

local u, v, tmp = {}, {}, {}
for i = 1, n do
  u[i] = 1.0
  v[i] = 0.0
  tmp[i] = 0.0
end

for _ = 1, 10 do
  mul_atav(u, v, tmp, n)
  mul_atav(v, u, tmp, n)
end

local vbv, vv = 0.0, 0.0
for i = 1, n do
  vbv = vbv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
print(string.format("%.9f", math.sqrt(vbv / vv)))

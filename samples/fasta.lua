-- fasta: Lua 5.4 twin of fasta.hako (same work, same output).
-- Argument: N (default 1000); the output has 2N + 3N + 5N bases.

local LINE = 60

local ALU = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG" ..
            "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA" ..
            "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT" ..
            "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA" ..
            "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG" ..
            "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC" ..
            "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"

local IUB = {
  {"a", 0.27}, {"c", 0.12}, {"g", 0.12}, {"t", 0.27},
  {"B", 0.02}, {"D", 0.02}, {"H", 0.02}, {"K", 0.02},
  {"M", 0.02}, {"N", 0.02}, {"R", 0.02}, {"S", 0.02},
  {"V", 0.02}, {"W", 0.02}, {"Y", 0.02},
}

local HOMO_SAPIENS = {
  {"a", 0.3029549426680},
  {"c", 0.1979883004921},
  {"g", 0.1975473066391},
  {"t", 0.3015094502008},
}

-- The benchmark's generator: a float in [0, max).
local IM = 139968
local IA = 3877
local IC = 29573
local last = 42
local function random(max)
  last = (last * IA + IC) % IM
  return max * last / IM
end

-- Prints n bases of s repeated, 60 a line.
local function repeat_fasta(s, n)
  local twice = s .. s
  local k = 0
  while n > 0 do
    local m = math.min(n, LINE)
    print(twice:sub(k + 1, k + m))
    k = (k + m) % #s
    n = n - m
  end
end

-- Prints n random bases drawn from table (pairs {base, probability}).
local function random_fasta(table_, n)
  local bases, cumulative = {}, {}
  local p = 0.0
  for _, entry in ipairs(table_) do
    p = p + entry[2]
    bases[#bases + 1] = entry[1]
    cumulative[#cumulative + 1] = p
  end
  local count = #bases
  while n > 0 do
    local m = math.min(n, LINE)
    local line = {}
    for _ = 1, m do
      local r = random(1.0)
      local j = 1
      while j < count and r >= cumulative[j] do
        j = j + 1
      end
      line[#line + 1] = bases[j]
    end
    print(table.concat(line, ""))
    n = n - m
  end
end

local n = tonumber(arg[1]) or 1000
print(">ONE Homo sapiens alu")
repeat_fasta(ALU, 2 * n)
print(">TWO IUB ambiguity codes")
random_fasta(IUB, 3 * n)
print(">THREE Homo sapiens frequency")
random_fasta(HOMO_SAPIENS, 5 * n)

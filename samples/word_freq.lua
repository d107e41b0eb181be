-- word_freq: Lua 5.4 twin of word_freq.hako (same work, same output).
-- Argument: the number of words N (default 5000).

local seed = 42

-- The Park-Miller "minimal standard" generator: an int in [0, n).
local function random_int(n)
  seed = seed * 16807 % 2147483647
  return seed % n
end

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

local SYLLABLES = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fe",
                   "gu", "hi", "jo", "qua", "ri", "su", "te", "wo", "xa", "yu", "bre", "stri"}
local VOCABULARY_SIZE = 3000

local function make_vocabulary()
  local words = {}
  for _ = 1, VOCABULARY_SIZE do
    local word = ""
    local syllables = 1 + random_int(3)
    syllables = syllables + random_int(2)
    for _ = 1, syllables do
      word = word .. SYLLABLES[random_int(#SYLLABLES) + 1]
    end
    words[#words + 1] = word
  end
  return words
end

-- A word index skewed towards small indexes.
local function pick(vocabulary)
  local size = #vocabulary
  local i = random_int(size)
  i = i * random_int(size) // size
  return vocabulary[random_int(i + 1) + 1]
end

local function capitalize(word)
  return word:sub(1, 1):upper() .. word:sub(2)
end

local function make_text(vocabulary, n)
  local lines = {}
  local line = {}
  local sentence_start = true
  for i = 0, n - 1 do
    local word = pick(vocabulary)
    if sentence_start then
      word = capitalize(word)
      sentence_start = false
    end
    local r = random_int(20)
    if r == 0 then
      word = word .. "."
      sentence_start = true
    elseif r == 1 then
      word = word .. ","
    elseif r == 2 and i % 7 == 0 then
      word = word .. "!"
      sentence_start = true
    end
    line[#line + 1] = word
    if #line == 12 then
      lines[#lines + 1] = table.concat(line, " ")
      line = {}
    end
  end
  if #line > 0 then
    lines[#lines + 1] = table.concat(line, " ")
  end
  return table.concat(lines, "\n")
end

-- Lower-cases word and drops the punctuation at its end.
local function normalise(word)
  local stop = #word
  while stop > 0 do
    local c = word:sub(stop, stop)
    if c ~= "." and c ~= "," and c ~= "!" then
      break
    end
    stop = stop - 1
  end
  return word:sub(1, stop):lower()
end

local n = tonumber(arg[1]) or 5000

local vocabulary = make_vocabulary()
local text = make_text(vocabulary, n)

local counts = {}
local total = 0
local line_count = 0
local longest = ""
for _, line in ipairs(split(text, "\n")) do
  line_count = line_count + 1
  for _, raw in ipairs(split(line, " ")) do
    local word = normalise(raw)
    if word ~= "" then
      total = total + 1
      local c = counts[word]
      if c == nil then
        counts[word] = 1
      else
        counts[word] = c + 1
      end
      if #word > #longest or (#word == #longest and word < longest) then
        longest = word
      end
    end
  end
end

local entries = {}
for word, count in pairs(counts) do
  entries[#entries + 1] = {word, count}
end
table.sort(entries, function(a, b)
  if a[2] ~= b[2] then
    return a[2] > b[2]
  end
  return a[1] < b[1]
end)

print(string.format("text: %d bytes, %d lines, %d words, %d distinct",
                    #text, line_count, total, #entries))
print(string.format("longest word: %s (%d letters)", longest, #longest))
for i = 0, math.min(20, #entries) - 1 do
  local e = entries[i + 1]
  print(string.format("%4d %s %d", i + 1, e[1], e[2]))
end

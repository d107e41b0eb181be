-- json_roundtrip: Lua 5.4 twin of json_roundtrip.hako (same work, same
-- output), with lua-cjson. JSON null is cjson.null here (Hako maps hold nil).
-- Arguments: N (default 200), then optionally the scratch file's path
-- (default /tmp/lua_json_roundtrip.json).

local cjson = require("cjson")
local null = cjson.null

local seed = 20240601

-- The Park-Miller "minimal standard" generator: an int in [0, n).
local function random_int(n)
  seed = seed * 16807 % 2147483647
  return seed % n
end

local TAGS = {"red", "green", "blue", "cyan", "magenta", "yellow", "black", "white",
              "alpha", "beta", "gamma", "delta"}

local WORDS = {"plain", "with space", "quote\"d", "back\\slash", "tab\there", "new\nline",
               "slash/ed", "caf\u{e9}", "\u{65e5}\u{672c}\u{8a9e}", "smile \u{1F600}", "ctrl\x01",
               "empty-ish", ""}

local function make_record(i)
  local tags = {}
  for _ = 1, 1 + random_int(4) do
    tags[#tags + 1] = TAGS[random_int(#TAGS) + 1]
  end
  local history = {}
  for _ = 1, 1 + random_int(6) do
    history[#history + 1] = random_int(1000) - 500
  end
  local note = null
  if i % 5 ~= 0 then
    note = "note " .. i .. ": " .. WORDS[random_int(#WORDS) + 1]
  end
  -- One random draw a statement, so that the order of the draws is plain.
  local name = "user-" .. i .. "-" .. WORDS[random_int(#WORDS) + 1]
  local score = random_int(80000) / 8.0
  local active = random_int(3) ~= 0
  local x = random_int(2000) - 1000
  local y = random_int(2000) - 1000
  return {
    id = i,
    name = name,
    score = score,
    active = active,
    tags = tags,
    position = {x = x, y = y, history = history},
    note = note,
  }
end

local function count_keys(t)
  local n = 0
  for _ in pairs(t) do
    n = n + 1
  end
  return n
end

-- Structural equality; numbers compare by value (3 equals 3.0).
local function deep_equal(a, b)
  if type(a) ~= type(b) then
    return false
  end
  if type(a) == "table" then
    if count_keys(a) ~= count_keys(b) then
      return false
    end
    for k, v in pairs(a) do
      if b[k] == nil or not deep_equal(v, b[k]) then
        return false
      end
    end
    return true
  end
  return a == b
end

local function string_hash(s, h)
  for i = 1, #s do
    h = (h * 31 + s:byte(i)) % 1000000007
  end
  return h
end

local function summarise(doc)
  local records = doc.records
  local ids, active, tag_count, nulls = 0, 0, 0, 0
  local scores = 0.0
  local history_sum, history_items = 0, 0
  local name_bytes, name_hash, note_hash = 0, 0, 0
  local per_tag = {}
  for _, r in ipairs(records) do
    ids = ids + r.id
    if r.active then
      active = active + 1
    end
    scores = scores + r.score
    for _, t in ipairs(r.tags) do
      tag_count = tag_count + 1
      if per_tag[t] == nil then
        per_tag[t] = 0
      end
      per_tag[t] = per_tag[t] + 1
    end
    for _, h in ipairs(r.position.history) do
      history_sum = history_sum + h
      history_items = history_items + 1
    end
    history_sum = history_sum + r.position.x - r.position.y
    name_bytes = name_bytes + #r.name
    name_hash = string_hash(r.name, name_hash)
    if r.note == null then
      nulls = nulls + 1
    else
      note_hash = string_hash(r.note, note_hash)
    end
  end
  print(string.format("  records %d, id sum %d, active %d, tags %d, null notes %d",
                      #records, ids, active, tag_count, nulls))
  print(string.format("  score sum %.3f, history sum %d over %d items",
                      scores, history_sum, history_items))
  print(string.format("  name bytes %d, name hash %d, note hash %d",
                      name_bytes, name_hash, note_hash))
  local tag_names = {}
  for t in pairs(per_tag) do
    tag_names[#tag_names + 1] = t
  end
  table.sort(tag_names)
  local parts = {}
  for _, t in ipairs(tag_names) do
    parts[#parts + 1] = t .. "=" .. string.format("%d", per_tag[t])
  end
  print("  tags: " .. table.concat(parts, " "))
end

local function write_file(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Writes doc to path as JSON, reads it back and parses it.
local function round_trip(doc, path, round)
  local text = cjson.encode(doc)
  write_file(path, text)
  local back = read_file(path)
  local parsed = cjson.decode(back)
  print(string.format("round %d: file intact %s, parsed equal %s",
                      round, tostring(back == text), tostring(deep_equal(doc, parsed))))
  summarise(parsed)
  return parsed
end

local n = tonumber(arg[1]) or 200
local path = arg[2] or "/tmp/lua_json_roundtrip.json"

local records = {}
for i = 0, n - 1 do
  records[#records + 1] = make_record(i)
end
local doc = {version = 1, generator = "hako samples", records = records}
print(string.format("json_roundtrip: %d records", n))
local parsed = round_trip(doc, path, 1)

-- Edit the parsed copy and send it round again.
for _, r in ipairs(parsed.records) do
  r.score = r.score * 2.0 + 0.5
  r.tags[#r.tags + 1] = "edited"
  r.position.x = r.position.x + 1
  r.active = not r.active
end
round_trip(parsed, path, 2)

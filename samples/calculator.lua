-- calculator: Lua 5.4 twin of calculator.hako (same work, same output).
-- Argument: the number of expressions N (default 300). Errors are tables
-- {kind = ..., detail = ...}; Hako's pcall returns a map {ok, value|error},
-- Lua's returns ok, value|error. String offsets printed are 0-based.

local MOD = 1000000007
local seed = 2024

-- The Park-Miller "minimal standard" generator: an int in [0, n).
local function random_int(n)
  seed = seed * 16807 % 2147483647
  return seed % n
end

local function fail(kind, detail)
  error({kind = kind, detail = detail})
end

-- ---- tokens: {kind = "num"|"name"|"op"|"end", text = ..., at = offset} ----

local function is_digit(c)
  return c >= 48 and c <= 57
end

local function is_letter(c)
  return (c >= 97 and c <= 122) or c == 95
end

local function tokenize(src)
  local tokens = {}
  local i = 0
  local n = #src
  while i < n do
    local c = src:byte(i + 1)
    if c == 32 then
      i = i + 1
    elseif is_digit(c) then
      local start = i
      while i < n and is_digit(src:byte(i + 1)) do
        i = i + 1
      end
      tokens[#tokens + 1] = {kind = "num", text = src:sub(start + 1, i), at = start}
    elseif is_letter(c) then
      local start = i
      while i < n and (is_letter(src:byte(i + 1)) or is_digit(src:byte(i + 1))) do
        i = i + 1
      end
      tokens[#tokens + 1] = {kind = "name", text = src:sub(start + 1, i), at = start}
    elseif ("+-*/%()"):find(string.char(c), 1, true) ~= nil then
      tokens[#tokens + 1] = {kind = "op", text = string.char(c), at = i}
      i = i + 1
    else
      fail("syntax", "unexpected character at " .. i)
    end
  end
  tokens[#tokens + 1] = {kind = "end", text = "", at = n}
  return tokens
end

-- ---- parser: expr = term {(+|-) term}; term = factor {(*|/|%) factor};
-- factor = num | name | ( expr ) | - factor ----

local function new_parser(tokens)
  return {tokens = tokens, pos = 0}
end

local function peek(p)
  return p.tokens[p.pos + 1]
end

local function next_token(p)
  local t = p.tokens[p.pos + 1]
  p.pos = p.pos + 1
  return t
end

local parse_expr

local function parse_factor(p)
  local t = next_token(p)
  if t.kind == "num" then
    return {op = "num", value = math.tointeger(tonumber(t.text))}
  end
  if t.kind == "name" then
    return {op = "var", name = t.text}
  end
  if t.kind == "op" and t.text == "(" then
    local e = parse_expr(p)
    local close = next_token(p)
    if close.text ~= ")" then
      fail("syntax", "expected ) at " .. close.at)
    end
    return e
  end
  if t.kind == "op" and t.text == "-" then
    return {op = "neg", left = parse_factor(p)}
  end
  fail("syntax", "unexpected token at " .. t.at)
end

local function parse_term(p)
  local left = parse_factor(p)
  while peek(p).text == "*" or peek(p).text == "/" or peek(p).text == "%" do
    local op = next_token(p).text
    left = {op = op, left = left, right = parse_factor(p)}
  end
  return left
end

function parse_expr(p)
  local left = parse_term(p)
  while peek(p).text == "+" or peek(p).text == "-" do
    local op = next_token(p).text
    left = {op = op, left = left, right = parse_term(p)}
  end
  return left
end

local function parse(src)
  local p = new_parser(tokenize(src))
  local tree = parse_expr(p)
  if peek(p).kind ~= "end" then
    fail("syntax", "text after the expression at " .. peek(p).at)
  end
  return tree
end

-- ---- evaluation (ints; / and % floor, as in Hako) ----

local function evaluate(node, vars)
  local op = node.op
  if op == "num" then
    return node.value
  end
  if op == "var" then
    local v = vars[node.name]
    if v == nil then
      fail("unknown variable", node.name)
    end
    return v
  end
  if op == "neg" then
    return -evaluate(node.left, vars)
  end
  local a = evaluate(node.left, vars)
  local b = evaluate(node.right, vars)
  if op == "+" then
    return a + b
  end
  if op == "-" then
    return a - b
  end
  if op == "*" then
    return a * b
  end
  if b == 0 then
    fail("division by zero", op)
  end
  if op == "/" then
    return a // b
  end
  return a % b
end

local function run(src, vars)
  return evaluate(parse(src), vars)
end

-- ---- generated sources ----

local NAMES = {"x", "y", "z", "width", "height", "n1", "n2"}

local function gen_expr(depth)
  local r = random_int(10)
  if depth <= 0 or r < 3 then
    if random_int(3) == 0 then
      return NAMES[random_int(#NAMES) + 1]
    end
    return tostring(random_int(100))
  end
  if r == 3 then
    return "(" .. gen_expr(depth - 1) .. ")"
  end
  if r == 4 then
    return "-" .. gen_expr(depth - 1)
  end
  local ops = {"+", "-", "*", "/", "%", "+"}
  local op = ops[random_int(#ops) + 1]
  local left = gen_expr(depth - 1)
  local right = gen_expr(depth - 1)
  return left .. " " .. op .. " " .. right
end

-- Breaks some sources on purpose.
local function damage(src)
  local r = random_int(12)
  if r == 0 then
    return src .. " )"
  end
  if r == 1 then
    return "(" .. src
  end
  if r == 2 then
    local at = random_int(#src + 1)
    return src:sub(1, at) .. "#" .. src:sub(at + 1)
  end
  if r == 3 then
    return src .. " * missing"
  end
  return src
end

local n = tonumber(arg[1]) or 300
local vars = {x = 7, y = -3, z = 0, width = 640, height = 480, n1 = 1, n2 = 12345}

local ok_count = 0
local sum = 0
local errors = {}
local error_kinds = {}
local source_bytes = 0
for i = 0, n - 1 do
  local src = damage(gen_expr(2 + random_int(5)))
  source_bytes = source_bytes + #src
  local ok, value = pcall(run, src, vars)
  if ok then
    ok_count = ok_count + 1
    sum = (sum + value % MOD) % MOD
    if i < 6 then
      print(string.format("%s = %d", src, value))
    end
  else
    local kind = value.kind
    if errors[kind] == nil then
      errors[kind] = 0
      error_kinds[#error_kinds + 1] = kind
    end
    errors[kind] = errors[kind] + 1
    if i < 6 then
      print(string.format("%s -> %s (%s)", src, kind, value.detail))
    end
  end
end

-- A nested pcall: the inner one catches, adds context and raises again.
local outer_ok, outer_error = pcall(function()
  local inner_ok, inner_error = pcall(run, "1 / (x - 7)", vars)
  assert(not inner_ok, "expected an error")
  error({kind = "wrapped", detail = inner_error.kind})
end)
print(string.format("nested: ok %s, %s of %s", tostring(outer_ok), outer_error.kind, outer_error.detail))

table.sort(error_kinds)
print(string.format("%d expressions, %d bytes: %d evaluated, checksum %d", n, source_bytes, ok_count, sum))
for _, kind in ipairs(error_kinds) do
  print(string.format("  %s: %d", kind, errors[kind]))
end

-- binary_trees: Lua 5.4 twin of binary_trees.hako (same work, same output).
-- Argument: the maximum tree depth (default 10).

-- A node is a table {left, right}; a leaf has two nil children.
local function make_tree(depth)
  if depth == 0 then
    return {nil, nil}
  end
  return {make_tree(depth - 1), make_tree(depth - 1)}
end

-- Counts the nodes of a tree.
local function check_tree(node)
  if node[1] == nil then
    return 1
  end
  return 1 + check_tree(node[1]) + check_tree(node[2])
end

local function pow2(k)
  local p = 1
  for _ = 0, k - 1 do
    p = p * 2
  end
  return p
end

local n = tonumber(arg[1]) or 10
local min_depth = 4
local max_depth = math.max(min_depth + 2, n)

local stretch_depth = max_depth + 1
print(string.format("stretch tree of depth %d\t check: %d",
                    stretch_depth, check_tree(make_tree(stretch_depth))))

local long_lived = make_tree(max_depth)

for depth = min_depth, max_depth, 2 do
  local iterations = pow2(max_depth - depth + min_depth)
  local check = 0
  for _ = 0, iterations - 1 do
    check = check + check_tree(make_tree(depth))
  end
  print(string.format("%d\t trees of depth %d\t check: %d", iterations, depth, check))
end

print(string.format("long lived tree of depth %d\t check: %d",
                    max_depth, check_tree(long_lived)))

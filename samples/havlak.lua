-- havlak: Lua 5.4 twin of havlak.hako (same work, same output).
-- Argument: the number of passes over the big graph (default 1).
-- DFS numbers are 0-based like the Hako twin (tables indexed by number + 1);
-- block names are labels from 1 and index cfg.blocks directly.

local UNVISITED = -1
local MAX_NON_BACK_PREDS = 32 * 1024

-- What a block turns out to be.
local BB_NONHEADER = 1
local BB_REDUCIBLE = 2
local BB_SELF = 3
local BB_IRREDUCIBLE = 4
local BB_DEAD = 5

-- ---- sets that remember insertion order: {items = {...}, has = {[key] = true}} ----

local function new_set()
  return {items = {}, has = {}}
end

local function set_add(set, key, x)
  if set.has[key] == nil then
    set.has[key] = true
    set.items[#set.items + 1] = x
  end
end

-- ---- the control-flow graph ----

local function new_cfg()
  return {blocks = {}, count = 0, start = nil, edges = {}}
end

local function create_node(cfg, name)
  local block = cfg.blocks[name]
  if block == nil then
    block = {name = name, in_edges = {}, out_edges = {}}
    cfg.blocks[name] = block
    cfg.count = cfg.count + 1
  end
  if cfg.count == 1 then
    cfg.start = block
  end
  return block
end

local function add_edge(cfg, from_name, to_name)
  local from = create_node(cfg, from_name)
  local to = create_node(cfg, to_name)
  from.out_edges[#from.out_edges + 1] = to
  to.in_edges[#to.in_edges + 1] = from
  cfg.edges[#cfg.edges + 1] = {from = from, to = to}
end

-- ---- loops and the loop structure graph ----

local function new_loop(lsg, header, reducible)
  local loop = {
    header = header, reducible = reducible, parent = nil, is_root = false,
    nesting = 0, depth = 0, counter = lsg.counter,
    blocks = new_set(), children = new_set(),
  }
  lsg.counter = lsg.counter + 1
  if header ~= nil then
    set_add(loop.blocks, header.name, header)
  end
  lsg.loops[#lsg.loops + 1] = loop
  return loop
end

local function new_lsg()
  local lsg = {loops = {}, root = nil, counter = 0}
  lsg.root = new_loop(lsg, nil, true)
  lsg.root.is_root = true
  return lsg
end

local function set_parent(loop, parent)
  loop.parent = parent
  set_add(parent.children, loop.counter, loop)
end

local function nesting_rec(loop, depth)
  loop.depth = depth
  for _, child in ipairs(loop.children.items) do
    nesting_rec(child, depth + 1)
    loop.nesting = math.max(loop.nesting, 1 + child.nesting)
  end
end

local function calculate_nesting(lsg)
  for _, loop in ipairs(lsg.loops) do
    if not loop.is_root and loop.parent == nil then
      set_parent(loop, lsg.root)
    end
  end
  nesting_rec(lsg.root, 0)
end

-- ---- union-find ----

local function find_set(node)
  local root = node
  while root.parent ~= root do
    root = root.parent
  end
  while node.parent ~= root do
    local next = node.parent
    node.parent = root
    node = next
  end
  return root
end

-- ---- Havlak's algorithm ----

-- Numbers the blocks reachable from block depth-first, from current on;
-- last[n + 1] is the largest number in the subtree of the block numbered n.
local function dfs(block, current, nodes, number, last)
  local node = nodes[current + 1]
  node.parent = node
  node.block = block
  node.dfs = current
  node.loop = nil
  number[block.name] = current
  local last_id = current
  for _, target in ipairs(block.out_edges) do
    if number[target.name] == UNVISITED then
      last_id = dfs(target, last_id + 1, nodes, number, last)
    end
  end
  last[current + 1] = last_id
  return last_id
end

-- Is the block numbered w an ancestor of the one numbered v in the DFS tree?
local function is_ancestor(w, v, last)
  return w <= v and v <= last[w + 1]
end

-- Adds the loops of cfg to lsg; returns how many it found.
local function find_loops(cfg, lsg)
  if cfg.start == nil then
    return 0
  end
  local size = cfg.count
  local found = 0
  local non_back_preds, back_preds, nodes, header, kind, last = {}, {}, {}, {}, {}, {}
  for i = 1, size do
    non_back_preds[i] = new_set()
    back_preds[i] = {}
    nodes[i] = {parent = nil, block = nil, loop = nil, dfs = 0}
    header[i] = 0
    kind[i] = BB_NONHEADER
    last[i] = 0
  end
  local number = {}
  for name in pairs(cfg.blocks) do
    number[name] = UNVISITED
  end

  -- a: number the blocks depth-first.
  dfs(cfg.start, 0, nodes, number, last)

  -- b: split each block's predecessors into back edges (from a descendant)
  -- and the others.
  for w = 0, size - 1 do
    local block = nodes[w + 1].block
    if block == nil then
      kind[w + 1] = BB_DEAD
    else
      for _, pred in ipairs(block.in_edges) do
        local v = number[pred.name]
        if v ~= UNVISITED then
          if is_ancestor(w, v, last) then
            local bp = back_preds[w + 1]
            bp[#bp + 1] = v
          else
            set_add(non_back_preds[w + 1], v, v)
          end
        end
      end
    end
  end

  -- c: visit the blocks in reverse preorder, so inner loop headers come
  -- before the headers of the loops around them.
  for w = size - 1, 0, -1 do
    -- The body of the loop headed by w ("P" in the paper).
    local pool = {}
    local block = nodes[w + 1].block
    if block ~= nil then
      -- d: the sources of w's back edges.
      for _, v in ipairs(back_preds[w + 1]) do
        if v ~= w then
          pool[#pool + 1] = find_set(nodes[v + 1])
        else
          kind[w + 1] = BB_SELF
        end
      end
      local work = {}
      for _, x in ipairs(pool) do
        work[#work + 1] = x
      end
      if #pool ~= 0 then
        kind[w + 1] = BB_REDUCIBLE
      end

      -- e: chase upwards from those sources; a predecessor that w does not
      -- dominate makes the loop irreducible.
      local head = 1
      while head <= #work do
        local x = work[head]
        head = head + 1
        local preds = non_back_preds[x.dfs + 1].items
        if #preds > MAX_NON_BACK_PREDS then
          return found
        end
        for i = 1, #preds do
          local ydash = find_set(nodes[preds[i] + 1])
          if not is_ancestor(w, ydash.dfs, last) then
            kind[w + 1] = BB_IRREDUCIBLE
            set_add(non_back_preds[w + 1], ydash.dfs, ydash.dfs)
          elseif ydash.dfs ~= w then
            work[#work + 1] = ydash
            pool[#pool + 1] = ydash
          end
        end
      end
    end

    -- Collapse the loop's blocks into w and record the loop.
    if #pool > 0 or kind[w + 1] == BB_SELF then
      local loop = new_loop(lsg, block, kind[w + 1] ~= BB_IRREDUCIBLE)
      found = found + 1
      nodes[w + 1].loop = loop
      for _, node in ipairs(pool) do
        header[node.dfs + 1] = w
        node.parent = nodes[w + 1]
        if node.loop ~= nil then
          set_parent(node.loop, loop)
        else
          set_add(loop.blocks, node.block.name, node.block)
        end
      end
    end
  end
  return found
end

-- ---- the benchmark's graph ----

-- An if/then/else diamond from start; returns the block where it joins.
local function build_diamond(cfg, start)
  add_edge(cfg, start, start + 1)
  add_edge(cfg, start, start + 2)
  add_edge(cfg, start + 1, start + 3)
  add_edge(cfg, start + 2, start + 3)
  return start + 3
end

-- A straight run of n blocks after start; returns the last.
local function build_straight(cfg, start, n)
  for i = 0, n - 1 do
    add_edge(cfg, start + i, start + i + 1)
  end
  return start + n
end

-- A loop with two diamonds in it.
local function build_base_loop(cfg, from)
  local header = build_straight(cfg, from, 1)
  local diamond1 = build_diamond(cfg, header)
  local d11 = build_straight(cfg, diamond1, 1)
  local diamond2 = build_diamond(cfg, d11)
  local footer = build_straight(cfg, diamond2, 1)
  add_edge(cfg, diamond2, d11)
  add_edge(cfg, diamond1, header)
  add_edge(cfg, footer, from)
  return build_straight(cfg, footer, 1)
end

local function build_simple_cfg(cfg)
  create_node(cfg, 1)
  build_base_loop(cfg, 1)
  create_node(cfg, 2)
  add_edge(cfg, 1, 3)
end

local function build_big_cfg(cfg, par_loops, ppar_loops, pppar_loops)
  local n = 3
  for _ = 1, par_loops do
    create_node(cfg, n + 1)
    add_edge(cfg, 3, n + 1)
    n = n + 1
    for _ = 1, ppar_loops do
      local top = n
      n = build_straight(cfg, n, 1)
      for _ = 1, pppar_loops do
        n = build_base_loop(cfg, n)
      end
      local bottom = build_straight(cfg, n, 1)
      add_edge(cfg, n, top)
      n = bottom
    end
    add_edge(cfg, n, 1)
  end
end

local passes = tonumber(arg[1]) or 1
local DUMMY_PASSES = 100

local cfg = new_cfg()
local lsg = new_lsg()
create_node(cfg, 1)
build_simple_cfg(cfg)
for _ = 1, DUMMY_PASSES do
  find_loops(cfg, lsg)
end
build_big_cfg(cfg, 10, 10, 5)
find_loops(cfg, lsg)

local found = 0
local reducible = 0
local block_count = 0
for _ = 1, passes do
  local fresh = new_lsg()
  found = found + find_loops(cfg, fresh)
  for _, loop in ipairs(fresh.loops) do
    if loop.reducible then
      reducible = reducible + 1
    end
    block_count = block_count + #loop.blocks.items
  end
end
calculate_nesting(lsg)

local loops = #lsg.loops
print(string.format("havlak: %d blocks, %d edges, %d passes", cfg.count, #cfg.edges, passes))
print(string.format("first structure: %d loops (expected %d), nesting depth %d",
                    loops, 1602 + 3 * DUMMY_PASSES, lsg.root.nesting))
print(string.format("fresh passes: %d loops found, %d reducible, %d blocks in loops",
                    found, reducible, block_count))

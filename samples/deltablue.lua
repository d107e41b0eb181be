-- deltablue: Lua 5.4 twin of deltablue.hako (same work, same output).
-- Argument: the number of variables in each test (default 100).
-- Like the Hako twin, objects are plain tables that get copies of their
-- class's methods (no metatables), so both VMs do the same work.

-- Strengths, strongest first.
local REQUIRED = 0
local STRONG_PREFERRED = 1
local PREFERRED = 2
local STRONG_DEFAULT = 3
local NORMAL = 4
local WEAK_DEFAULT = 5
local WEAKEST = 6

local function stronger(s1, s2)
  return s1 < s2
end

local function weaker(s1, s2)
  return s1 > s2
end

local function weakest_of(s1, s2)
  if weaker(s1, s2) then
    return s1
  end
  return s2
end

-- Directions of a binary constraint.
local NONE = 0
local FORWARD = 1
local BACKWARD = 2

local failures = 0
local function check(ok, what)
  if not ok then
    print("failed: " .. what)
    failures = failures + 1
  end
end

-- ---- objects ----

local function instance(cls, fields)
  for name, method in pairs(cls) do
    fields[name] = method
  end
  return fields
end

local function extend(base, methods)
  local cls = {}
  for name, method in pairs(base) do
    cls[name] = method
  end
  for name, method in pairs(methods) do
    cls[name] = method
  end
  return cls
end

-- ---- a first-in first-out worklist ----

local function new_queue()
  return {items = {}, head = 1}
end

local function queue_push(q, x)
  q.items[#q.items + 1] = x
end

local function queue_empty(q)
  return q.head == #q.items + 1
end

local function queue_take(q)
  local x = q.items[q.head]
  q.head = q.head + 1
  return x
end

-- ---- variables ----

local function new_variable(name, value)
  return {
    name = name, value = value, constraints = {}, determined_by = nil,
    mark = 0, walk_strength = WEAKEST, stay = true,
  }
end

local function remove_constraint(v, c)
  local kept = {}
  for _, other in ipairs(v.constraints) do
    if other ~= c then
      kept[#kept + 1] = other
    end
  end
  v.constraints = kept
  if v.determined_by == c then
    v.determined_by = nil
  end
end

-- ---- the planner ----

local function new_planner()
  return {current_mark = 0}
end

local function new_mark(planner)
  planner.current_mark = planner.current_mark + 1
  return planner.current_mark
end

local remove_propagate_from

-- Satisfies c and then whatever constraint it overrode, and so on.
local function incremental_add(planner, c)
  local mark = new_mark(planner)
  local overridden = c:satisfy(mark, planner)
  while overridden ~= nil do
    overridden = overridden:satisfy(mark, planner)
  end
end

-- Removes c and re-satisfies, strongest first, the constraints it let go.
local function incremental_remove(planner, c)
  local out = c:output()
  c:mark_unsatisfied()
  c:remove_from_graph()
  local unsatisfied = remove_propagate_from(planner, out)
  for strength = REQUIRED, WEAKEST - 1 do
    for _, u in ipairs(unsatisfied) do
      if u.strength == strength then
        incremental_add(planner, u)
      end
    end
  end
end

-- Pushes onto todo the satisfied constraints that take v as an input.
local function add_constraints_consuming_to(v, todo)
  local determining = v.determined_by
  for _, c in ipairs(v.constraints) do
    if c ~= determining and c:is_satisfied() then
      queue_push(todo, c)
    end
  end
end

-- Recomputes walk strengths and stay flags downstream of c; false on a cycle.
local function add_propagate(planner, c, mark)
  local todo = new_queue()
  queue_push(todo, c)
  while not queue_empty(todo) do
    local d = queue_take(todo)
    if d:output().mark == mark then
      incremental_remove(planner, c)
      return false
    end
    d:recalculate()
    add_constraints_consuming_to(d:output(), todo)
  end
  return true
end

-- Forgets how out was determined; returns the unsatisfied constraints found
-- downstream.
function remove_propagate_from(planner, out)
  out.determined_by = nil
  out.walk_strength = WEAKEST
  out.stay = true
  local unsatisfied = {}
  local todo = new_queue()
  queue_push(todo, out)
  while not queue_empty(todo) do
    local v = queue_take(todo)
    for _, c in ipairs(v.constraints) do
      if not c:is_satisfied() then
        unsatisfied[#unsatisfied + 1] = c
      end
    end
    local determining = v.determined_by
    for _, next in ipairs(v.constraints) do
      if next ~= determining and next:is_satisfied() then
        next:recalculate()
        queue_push(todo, next:output())
      end
    end
  end
  return unsatisfied
end

-- Orders the constraints reachable from sources into a plan (an array).
local function make_plan(planner, sources)
  local mark = new_mark(planner)
  local plan = {}
  local todo = new_queue()
  for _, c in ipairs(sources) do
    queue_push(todo, c)
  end
  while not queue_empty(todo) do
    local c = queue_take(todo)
    if c:output().mark ~= mark and c:inputs_known(mark) then
      plan[#plan + 1] = c
      c:output().mark = mark
      add_constraints_consuming_to(c:output(), todo)
    end
  end
  return plan
end

local function extract_plan(planner, constraints)
  local sources = {}
  for _, c in ipairs(constraints) do
    if c:is_input() and c:is_satisfied() then
      sources[#sources + 1] = c
    end
  end
  return make_plan(planner, sources)
end

local function execute_plan(plan)
  for _, c in ipairs(plan) do
    c:execute()
  end
end

-- ---- constraints ----

local Constraint = {
  is_input = function(self)
    return false
  end,
  add_constraint = function(self, planner)
    self:add_to_graph()
    incremental_add(planner, self)
  end,
  destroy_constraint = function(self, planner)
    if self:is_satisfied() then
      incremental_remove(planner, self)
    else
      self:remove_from_graph()
    end
  end,
  -- Picks a method; if that satisfies the constraint, takes over its output
  -- and returns the constraint that determined it before (or nil).
  satisfy = function(self, mark, planner)
    self:choose_method(mark)
    if not self:is_satisfied() then
      check(self.strength ~= REQUIRED, "could not satisfy a required constraint")
      return nil
    end
    self:mark_inputs(mark)
    local out = self:output()
    local overridden = out.determined_by
    if overridden ~= nil then
      overridden:mark_unsatisfied()
    end
    out.determined_by = self
    check(add_propagate(planner, self, mark), "cycle encountered")
    out.mark = mark
    return overridden
  end,
}

-- A constraint on one variable.
local UnaryConstraint = extend(Constraint, {
  add_to_graph = function(self)
    local cs = self.out.constraints
    cs[#cs + 1] = self
    self.satisfied = false
  end,
  remove_from_graph = function(self)
    remove_constraint(self.out, self)
    self.satisfied = false
  end,
  choose_method = function(self, mark)
    self.satisfied = self.out.mark ~= mark and stronger(self.strength, self.out.walk_strength)
  end,
  is_satisfied = function(self)
    return self.satisfied
  end,
  mark_inputs = function(self, mark)
  end,
  output = function(self)
    return self.out
  end,
  recalculate = function(self)
    self.out.walk_strength = self.strength
    self.out.stay = not self:is_input()
    if self.out.stay then
      self:execute()
    end
  end,
  mark_unsatisfied = function(self)
    self.satisfied = false
  end,
  inputs_known = function(self, mark)
    return true
  end,
})

-- Keeps a variable where it is.
local StayConstraint = extend(UnaryConstraint, {
  execute = function(self)
  end,
})

-- Marks a variable that the user changes.
local EditConstraint = extend(UnaryConstraint, {
  is_input = function(self)
    return true
  end,
  execute = function(self)
  end,
})

local function new_unary(cls, v, strength, planner)
  local c = instance(cls, {strength = strength, out = v, satisfied = false})
  c:add_constraint(planner)
  return c
end

-- A constraint between two variables, enforced in one direction at a time.
local function binary_add_to_graph(self)
  local cs1, cs2 = self.v1.constraints, self.v2.constraints
  cs1[#cs1 + 1] = self
  cs2[#cs2 + 1] = self
  self.direction = NONE
end

local function binary_remove_from_graph(self)
  remove_constraint(self.v1, self)
  remove_constraint(self.v2, self)
  self.direction = NONE
end

local function binary_mark_inputs(self, mark)
  self:input().mark = mark
end

local BinaryConstraint = extend(Constraint, {
  add_to_graph = binary_add_to_graph,
  remove_from_graph = binary_remove_from_graph,
  choose_method = function(self, mark)
    local v1 = self.v1
    local v2 = self.v2
    if v1.mark == mark then
      if v2.mark ~= mark and stronger(self.strength, v2.walk_strength) then
        self.direction = FORWARD
      else
        self.direction = NONE
      end
    elseif v2.mark == mark then
      if v1.mark ~= mark and stronger(self.strength, v1.walk_strength) then
        self.direction = BACKWARD
      else
        self.direction = NONE
      end
    elseif weaker(v1.walk_strength, v2.walk_strength) then
      if stronger(self.strength, v1.walk_strength) then
        self.direction = BACKWARD
      else
        self.direction = NONE
      end
    else
      if stronger(self.strength, v2.walk_strength) then
        self.direction = FORWARD
      else
        self.direction = NONE
      end
    end
  end,
  is_satisfied = function(self)
    return self.direction ~= NONE
  end,
  mark_inputs = binary_mark_inputs,
  input = function(self)
    if self.direction == FORWARD then
      return self.v1
    end
    return self.v2
  end,
  output = function(self)
    if self.direction == FORWARD then
      return self.v2
    end
    return self.v1
  end,
  recalculate = function(self)
    local ihn = self:input()
    local out = self:output()
    out.walk_strength = weakest_of(self.strength, ihn.walk_strength)
    out.stay = ihn.stay
    if out.stay then
      self:execute()
    end
  end,
  mark_unsatisfied = function(self)
    self.direction = NONE
  end,
  inputs_known = function(self, mark)
    local i = self:input()
    return i.mark == mark or i.stay or i.determined_by == nil
  end,
})

-- v1 == v2
local EqualityConstraint = extend(BinaryConstraint, {
  execute = function(self)
    self:output().value = self:input().value
  end,
})

-- v2 == v1 * scale + offset
local ScaleConstraint = extend(BinaryConstraint, {
  add_to_graph = function(self)
    binary_add_to_graph(self)
    local cs1, cs2 = self.scale.constraints, self.offset.constraints
    cs1[#cs1 + 1] = self
    cs2[#cs2 + 1] = self
  end,
  remove_from_graph = function(self)
    binary_remove_from_graph(self)
    remove_constraint(self.scale, self)
    remove_constraint(self.offset, self)
  end,
  mark_inputs = function(self, mark)
    binary_mark_inputs(self, mark)
    self.scale.mark = mark
    self.offset.mark = mark
  end,
  execute = function(self)
    if self.direction == FORWARD then
      self.v2.value = self.v1.value * self.scale.value + self.offset.value
    else
      self.v1.value = (self.v2.value - self.offset.value) // self.scale.value
    end
  end,
  recalculate = function(self)
    local ihn = self:input()
    local out = self:output()
    out.walk_strength = weakest_of(self.strength, ihn.walk_strength)
    out.stay = ihn.stay and self.scale.stay and self.offset.stay
    if out.stay then
      self:execute()
    end
  end,
})

local function new_equality(v1, v2, strength, planner)
  local c = instance(EqualityConstraint, {strength = strength, v1 = v1, v2 = v2, direction = NONE})
  c:add_constraint(planner)
  return c
end

local function new_scale(src, scale, offset, dst, strength, planner)
  local c = instance(ScaleConstraint, {
    strength = strength, v1 = src, v2 = dst, direction = NONE, scale = scale, offset = offset,
  })
  c:add_constraint(planner)
  return c
end

-- ---- the two tests ----

-- A chain of n equality constraints with a stay constraint at the far end;
-- an edit at the near end must propagate down the whole chain.
local function chain_test(n)
  local planner = new_planner()
  local vars = {}
  for i = 0, n do
    vars[i + 1] = new_variable("v" .. i, 0)
  end
  for i = 1, n do
    new_equality(vars[i], vars[i + 1], REQUIRED, planner)
  end
  local first = vars[1]
  local last = vars[n + 1]
  new_unary(StayConstraint, last, STRONG_DEFAULT, planner)
  local edit = new_unary(EditConstraint, first, PREFERRED, planner)
  local plan = extract_plan(planner, {edit})
  local sum = 0
  for i = 0, 99 do
    first.value = i
    execute_plan(plan)
    check(last.value == i, "chain test")
    sum = sum + last.value
  end
  edit:destroy_constraint(planner)
  return sum
end

-- Sets v to value through a temporary edit constraint.
local function change(planner, v, value)
  local edit = new_unary(EditConstraint, v, PREFERRED, planner)
  local plan = extract_plan(planner, {edit})
  for _ = 1, 10 do
    v.value = value
    execute_plan(plan)
  end
  edit:destroy_constraint(planner)
end

-- n pairs of variables related by dst = src * scale + offset.
local function projection_test(n)
  local planner = new_planner()
  local scale = new_variable("scale", 10)
  local offset = new_variable("offset", 1000)
  local src = nil
  local dst = nil
  local dests = {}
  for i = 0, n - 1 do
    src = new_variable("src" .. i, i)
    dst = new_variable("dst" .. i, i)
    dests[#dests + 1] = dst
    new_unary(StayConstraint, src, NORMAL, planner)
    new_scale(src, scale, offset, dst, REQUIRED, planner)
  end

  change(planner, src, 17)
  check(dst.value == 1170, "projection 1")
  change(planner, dst, 1050)
  check(src.value == 5, "projection 2")
  change(planner, scale, 5)
  for i = 0, n - 2 do
    check(dests[i + 1].value == i * 5 + 1000, "projection 3")
  end
  change(planner, offset, 2000)
  for i = 0, n - 2 do
    check(dests[i + 1].value == i * 5 + 2000, "projection 4")
  end

  local sum = 0
  for _, d in ipairs(dests) do
    sum = sum + d.value
  end
  return sum
end

local n = tonumber(arg[1]) or 100
print(string.format("deltablue with %d variables", n))
print(string.format("chain test: sum of propagated values %d", chain_test(n)))
print(string.format("projection test: sum of destinations %d", projection_test(n)))
print(string.format("failed checks: %d", failures))

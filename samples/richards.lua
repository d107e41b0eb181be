-- richards: Lua 5.4 twin of richards.hako (same work, same output).
-- Argument: the number of runs (default 2). Task ids stay 0-based like the
-- Hako twin; the blocks table is indexed by id + 1.

local ID_IDLE = 0
local ID_WORKER = 1
local ID_HANDLER_A = 2
local ID_HANDLER_B = 3
local ID_DEVICE_A = 4
local ID_DEVICE_B = 5

local KIND_DEVICE = 0
local KIND_WORK = 1

local DATA_SIZE = 4
local COUNT = 1000
local EXPECTED_QUEUE_COUNT = 2322
local EXPECTED_HOLD_COUNT = 928

-- Bitwise xor of two non-negative integers, one bit at a time (as in the
-- Hako twin, which has no bitwise operators).
local function bit_xor(a, b)
  local result = 0
  local bit = 1
  while a > 0 or b > 0 do
    if a % 2 ~= b % 2 then
      result = result + bit
    end
    a = a // 2
    b = b // 2
    bit = bit * 2
  end
  return result
end

-- ---- packets ----

local function new_packet(link, id, kind)
  return {link = link, id = id, kind = kind, a1 = 0, a2 = {0, 0, 0, 0}}
end

-- Appends packet at the end of queue; returns the new head.
local function add_to(packet, queue)
  packet.link = nil
  if queue == nil then
    return packet
  end
  local next = queue
  while next.link ~= nil do
    next = next.link
  end
  next.link = packet
  return queue
end

-- ---- task control blocks ----
-- The state is three flags: a packet is pending, the task is waiting, the
-- task is held.

local function new_tcb(link, id, priority, queue, task)
  return {
    link = link, id = id, priority = priority, queue = queue, task = task,
    packet_pending = queue ~= nil, task_waiting = true, task_holding = false,
  }
end

local function is_held_or_suspended(tcb)
  return tcb.task_holding or (not tcb.packet_pending and tcb.task_waiting)
end

local function run_tcb(tcb)
  local packet = nil
  if tcb.packet_pending and tcb.task_waiting and not tcb.task_holding then
    packet = tcb.queue
    tcb.queue = packet.link
    tcb.packet_pending = tcb.queue ~= nil
    tcb.task_waiting = false
    tcb.task_holding = false
  end
  return tcb.task:run(packet)
end

-- Queues packet for tcb; returns the task to run next.
local function check_priority_add(tcb, task, packet)
  if tcb.queue == nil then
    tcb.queue = packet
    tcb.packet_pending = true
    if tcb.priority > task.priority then
      return tcb
    end
  else
    tcb.queue = add_to(packet, tcb.queue)
  end
  return task
end

-- ---- the scheduler ----

local function new_scheduler()
  return {
    queue_count = 0, hold_count = 0,
    blocks = {nil, nil, nil, nil, nil, nil},
    list = nil, current_tcb = nil, current_id = nil,
  }
end

local function add_task(s, id, priority, queue, task)
  s.current_tcb = new_tcb(s.list, id, priority, queue, task)
  s.list = s.current_tcb
  s.blocks[id + 1] = s.current_tcb
end

local function schedule(s)
  s.current_tcb = s.list
  while s.current_tcb ~= nil do
    if is_held_or_suspended(s.current_tcb) then
      s.current_tcb = s.current_tcb.link
    else
      s.current_id = s.current_tcb.id
      s.current_tcb = run_tcb(s.current_tcb)
    end
  end
end

local function release(s, id)
  local tcb = s.blocks[id + 1]
  if tcb == nil then
    return nil
  end
  tcb.task_holding = false
  if tcb.priority > s.current_tcb.priority then
    return tcb
  end
  return s.current_tcb
end

local function hold_current(s)
  s.hold_count = s.hold_count + 1
  s.current_tcb.task_holding = true
  return s.current_tcb.link
end

local function suspend_current(s)
  s.current_tcb.task_waiting = true
  return s.current_tcb
end

local function queue_packet(s, packet)
  local tcb = s.blocks[packet.id + 1]
  if tcb == nil then
    return nil
  end
  s.queue_count = s.queue_count + 1
  packet.link = nil
  packet.id = s.current_id
  return check_priority_add(tcb, s.current_tcb, packet)
end

-- ---- the four kinds of task: tables with a run(self, packet) function ----

local function idle_run(self, packet)
  local s = self.scheduler
  self.count = self.count - 1
  if self.count == 0 then
    return hold_current(s)
  end
  if self.v1 % 2 == 0 then
    self.v1 = self.v1 // 2
    return release(s, ID_DEVICE_A)
  end
  self.v1 = bit_xor(self.v1 // 2, 0xD008)
  return release(s, ID_DEVICE_B)
end

local function device_run(self, packet)
  local s = self.scheduler
  if packet == nil then
    if self.pending == nil then
      return suspend_current(s)
    end
    local p = self.pending
    self.pending = nil
    return queue_packet(s, p)
  end
  self.pending = packet
  return hold_current(s)
end

local function worker_run(self, packet)
  local s = self.scheduler
  if packet == nil then
    return suspend_current(s)
  end
  if self.destination == ID_HANDLER_A then
    self.destination = ID_HANDLER_B
  else
    self.destination = ID_HANDLER_A
  end
  packet.id = self.destination
  packet.a1 = 0
  for i = 1, DATA_SIZE do
    self.count = self.count + 1
    if self.count > 26 then
      self.count = 1
    end
    packet.a2[i] = self.count
  end
  return queue_packet(s, packet)
end

local function handler_run(self, packet)
  local s = self.scheduler
  if packet ~= nil then
    if packet.kind == KIND_WORK then
      self.work = add_to(packet, self.work)
    else
      self.devices = add_to(packet, self.devices)
    end
  end
  if self.work ~= nil then
    local count = self.work.a1
    if count < DATA_SIZE then
      if self.devices ~= nil then
        local v = self.devices
        self.devices = v.link
        v.a1 = self.work.a2[count + 1]
        self.work.a1 = count + 1
        return queue_packet(s, v)
      end
    else
      local v = self.work
      self.work = v.link
      return queue_packet(s, v)
    end
  end
  return suspend_current(s)
end

-- ---- one run ----

local function run_richards()
  local s = new_scheduler()

  add_task(s, ID_IDLE, 0, nil, {scheduler = s, v1 = 1, count = COUNT, run = idle_run})
  s.current_tcb.packet_pending = false
  s.current_tcb.task_waiting = false

  local queue = new_packet(nil, ID_WORKER, KIND_WORK)
  queue = new_packet(queue, ID_WORKER, KIND_WORK)
  add_task(s, ID_WORKER, 1000, queue,
           {scheduler = s, destination = ID_HANDLER_A, count = 0, run = worker_run})

  queue = new_packet(nil, ID_DEVICE_A, KIND_DEVICE)
  queue = new_packet(queue, ID_DEVICE_A, KIND_DEVICE)
  queue = new_packet(queue, ID_DEVICE_A, KIND_DEVICE)
  add_task(s, ID_HANDLER_A, 2000, queue,
           {scheduler = s, work = nil, devices = nil, run = handler_run})

  queue = new_packet(nil, ID_DEVICE_B, KIND_DEVICE)
  queue = new_packet(queue, ID_DEVICE_B, KIND_DEVICE)
  queue = new_packet(queue, ID_DEVICE_B, KIND_DEVICE)
  add_task(s, ID_HANDLER_B, 3000, queue,
           {scheduler = s, work = nil, devices = nil, run = handler_run})

  add_task(s, ID_DEVICE_A, 4000, nil, {scheduler = s, pending = nil, run = device_run})
  add_task(s, ID_DEVICE_B, 5000, nil, {scheduler = s, pending = nil, run = device_run})

  schedule(s)
  return s
end

local runs = tonumber(arg[1]) or 2
local total_queued, total_held, good = 0, 0, 0
for _ = 1, runs do
  local s = run_richards()
  total_queued = total_queued + s.queue_count
  total_held = total_held + s.hold_count
  if s.queue_count == EXPECTED_QUEUE_COUNT and s.hold_count == EXPECTED_HOLD_COUNT then
    good = good + 1
  end
end
print(string.format("richards: %d runs, %d correct", runs, good))
print(string.format("packets queued: %d, tasks held: %d", total_queued, total_held))

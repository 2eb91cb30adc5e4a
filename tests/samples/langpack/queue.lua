-- A bounded FIFO queue backed by a ring buffer.
local Queue = {}
Queue.__index = Queue

--- Create a queue holding at most `capacity` items.
-- @param capacity maximum number of items
function Queue.new(capacity)
  local self = setmetatable({}, Queue)
  self.items = {}
  self.head = 1
  self.size = 0
  self.capacity = capacity
  return self
end

--- Append an item; returns false when the queue is full.
function Queue:push(item)
  if self.size == self.capacity then
    return false
  end
  local tail = (self.head + self.size - 1) % self.capacity + 1
  self.items[tail] = item
  self.size = self.size + 1
  return true
end

function Queue:pop()
  if self.size == 0 then
    return nil
  end
  local item = self.items[self.head]
  self.items[self.head] = nil
  self.head = self.head % self.capacity + 1
  self.size = self.size - 1
  return item
end

local function drain(queue, sink)
  local item = queue:pop()
  while item ~= nil do
    sink(item)
    item = queue:pop()
  end
end

Queue.drain = drain

return Queue

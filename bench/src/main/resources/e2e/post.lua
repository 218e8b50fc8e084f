-- wrk script of the end-to-end runner: POSTs request bodies read from a file (one JSON object per line), cycling
-- through them, each with the bearer key of the next virtual key.
-- Arguments after "--": <path> <bodies file> <number of keys> <key prefix>
-- Each wrk thread starts at its own offset into the bodies and the keys, so threads do not send in lockstep.

local threads_started = 0

function setup(thread)
  thread:set("offset", threads_started)
  threads_started = threads_started + 1
end

function init(args)
  path = args[1]
  bodies = {}
  for line in io.lines(args[2]) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  keys = tonumber(args[3])
  prefix = args[4]
  local o = tonumber(offset) or 0
  n = o * 7919
  k = o * math.floor(keys / 2 + 1)
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  n = n + 1
  k = k + 1
  headers["Authorization"] = "Bearer " .. prefix .. (k % keys)
  return wrk.format("POST", path, headers, bodies[(n % #bodies) + 1])
end

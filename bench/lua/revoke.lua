-- wrk: each request revokes the next consent of the pool file given after "--" (one id a line),
-- so no consent is revoked twice. Run with one thread (-t1): one Lua state, one counter.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local ids = {}
local next_id = 0
local body = '{"channel": "staff_spoken", "reason": "benchmark"}'

init = function(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
end

request = function()
  next_id = next_id + 1
  local id = ids[next_id] or "0"
  return wrk.format("POST", "/api/v1/consents/" .. id .. "/revoke/", nil, body)
end

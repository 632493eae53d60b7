-- wrk: completes each task of TASKS (lines "<token> <task id>" from scripts/recurring_load.py) once,
-- split between wrk's threads; DELAY_MS pauses each connection between requests (open-ish loop:
-- about connections x 1000 / DELAY_MS requests per second). When a thread has no task left it
-- sends GET /health, which the report leaves out.
local threads, tasks, next_index = {}, {}, 1
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local n, count = 0, tonumber(os.getenv("THREADS") or "2")
  for line in io.lines(os.getenv("TASKS")) do
    local token, id = line:match("(%S+)%s+(%S+)")
    if token and n % count == index then tasks[#tasks + 1] = { token, id } end
    n = n + 1
  end
end

function delay()
  return delay_ms
end

function request()
  local t = tasks[next_index]
  if not t then return wrk.format("GET", "/health") end
  next_index = next_index + 1
  return wrk.format("POST", "/api/v1/tasks/" .. t[2] .. "/complete", { ["Authorization"] = "Bearer " .. t[1] })
end

function response(status, headers, body)
  if status >= 300 then io.stderr:write("unexpected status " .. status .. "\n") end
end

-- wrk scenario: SCENARIO = list | default | today | project | shared | big | get | missing | create | complete | health;
-- SEED = file
-- from seed.py; SHARING = the file of seed-sharing.py (shared: a member of the 5-person project of
-- 10,000 tasks lists it; big: the owner of a personal project of 10,000 tasks lists it).
-- from seed.py. `missing` gets a task that does not exist (404): HTTP, sign-in and one round trip to
-- the database with no row to decode or write out, the floor under `get`.
local users = {}
local scenario = os.getenv("SCENARIO") or "list"
local counter = 0
local completed = {} -- complete: tasks this thread completed, oldest first, to reopen later

function init(args)
  for line in io.lines(os.getenv("SEED")) do
    local parts = {}
    local project = nil
    for w in line:gmatch("%S+") do
      if w:sub(1, 2) == "p:" then project = w:sub(3) else parts[#parts + 1] = w end
    end
    parts.project = project
    if #parts > 1 then users[#users + 1] = parts end
  end
  sharing = { shared = {}, big = {} }
  if os.getenv("SHARING") then
    for line in io.lines(os.getenv("SHARING")) do
      local kind, token, project = line:match("(%S+) (%S+) (%S+)")
      if kind then table.insert(sharing[kind], { token, project }) end
    end
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  counter = counter + 1
  local u = users[math.random(#users)]
  local auth = { ["Authorization"] = "Bearer " .. u[1], ["Content-Type"] = "application/json" }
  local id = u[math.random(2, #u)]
  if scenario == "list" then
    return wrk.format("GET", "/api/v1/tasks?priority=high&priority=urgent&sort=-due&limit=50", auth)
  elseif scenario == "today" then
    return wrk.format("GET", "/api/v1/tasks?view=today&limit=50", auth)
  elseif scenario == "project" then
    return wrk.format("GET", "/api/v1/tasks?project=" .. u.project .. "&sort=manual&limit=50", auth)
  elseif scenario == "shared" or scenario == "big" then
    local s = sharing[scenario][math.random(#sharing[scenario])]
    return wrk.format("GET", "/api/v1/tasks?project=" .. s[2] .. "&sort=manual&limit=50", { ["Authorization"] = "Bearer " .. s[1] })
  elseif scenario == "default" then
    return wrk.format("GET", "/api/v1/tasks?limit=50", auth)
  elseif scenario == "get" then
    return wrk.format("GET", "/api/v1/tasks/" .. id, auth)
  elseif scenario == "missing" then
    return wrk.format("GET", string.format("/api/v1/tasks/00000000-0000-4000-8000-%012x", math.random(0, 2^40)), auth)
  elseif scenario == "create" then
    return wrk.format("POST", "/api/v1/tasks", auth, '{"title":"bench ' .. counter .. '","priority":"medium","tags":["bench"]}')
  elseif scenario == "complete" then
    -- Every other request reopens a task this thread completed 64+ requests ago (long answered),
    -- so the requests keep changing tasks: completing one already completed is only a locked read.
    -- An id drawn again while it waits to be reopened is the exception (~5 % of completions).
    if counter % 2 == 0 and #completed > 64 then
      local t = table.remove(completed, 1)
      return wrk.format("POST", "/api/v1/tasks/" .. t[2] .. "/reopen", { ["Authorization"] = "Bearer " .. t[1] })
    end
    table.insert(completed, { u[1], id })
    return wrk.format("POST", "/api/v1/tasks/" .. id .. "/complete", auth)
  else
    return wrk.format("GET", "/health")
  end
end

function response(status, headers, body)
  local expected = scenario == "missing" and status == 404
  if status >= 300 and scenario ~= "health" and not expected then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end

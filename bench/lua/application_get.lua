-- wrk script: GET /api/v1/applications/{id} as their owners, cycling through the
-- `token application-id` lines of BENCH_TARGETS (from `kabinet bench seed`).
-- The requests are built once per thread (as pgbench prepares its query once), so the
-- generator's own work per request is small on a machine it shares with the server;
-- each thread starts at another place in the cycle, so they do not ask for the same
-- application at the same moment.
local threads = 0
function setup(thread)
  thread:set("offset", threads * 30011)
  threads = threads + 1
end

local requests = {}
local n = 0
init = function(args)
  for line in io.lines(os.getenv("BENCH_TARGETS")) do
    local token, id = line:match("^(%S+) (%S+)$")
    if token then
      requests[#requests + 1] = wrk.format("GET", "/api/v1/applications/" .. id,
        { ["Cookie"] = "kabinet_session=" .. token })
    end
  end
  n = offset or 0
end

request = function()
  n = n + 1
  return requests[(n * 7919) % #requests + 1]
end

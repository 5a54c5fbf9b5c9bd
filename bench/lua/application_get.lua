-- wrk script: GET /api/v1/applications/{id} as their owners, cycling through the
-- `token application-id` lines of BENCH_TARGETS (from `kabinet bench seed`).
local targets = {}
init = function(args)
  for line in io.lines(os.getenv("BENCH_TARGETS")) do
    local token, id = line:match("^(%S+) (%S+)$")
    if token then targets[#targets + 1] = { token, id } end
  end
end
local n = 0
request = function()
  n = n + 1
  local t = targets[(n * 7919) % #targets + 1]
  return wrk.format("GET", "/api/v1/applications/" .. t[2], { ["Cookie"] = "kabinet_session=" .. t[1] })
end

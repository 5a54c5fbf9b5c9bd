-- wrk script: GET /api/v1/session with a signed-in cookie (BENCH_COOKIE), one request
-- every 10 ms per connection, so the probe measures latency without adding load.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
function delay()
  return 10
end

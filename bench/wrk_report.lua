-- wrk script: rotates the bench users' session cookies over the requests, counts every answer that is not
-- 200 (a 302 to the login page is an error here, though wrk itself counts 3xx as success), and prints one
-- JSON line with the latency percentiles (ms) at the end. Cookies come from the file in WRK_SESSIONS.
-- WRK_THINK_MS (optional): each connection waits a random 0.5-1.5x that long between its requests, like a
-- person reading the page; without it the connections send back to back (a closed loop at full speed).

local cookies = {}
local threads = {}
local counter = 0
local bad = 0
local think = tonumber(os.getenv("WRK_THINK_MS") or "0")

local function load_cookies()
  local path = os.getenv("WRK_SESSIONS")
  for line in io.lines(path) do
    if #line > 0 then cookies[#cookies + 1] = line end
  end
end

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  load_cookies()
  counter = id or 0
  math.randomseed(os.time() + (id or 0))
end

function request()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  return wrk.format("GET", nil, { ["Cookie"] = cookie })
end

function delay()
  if think > 0 then return math.floor(think * (0.5 + math.random())) end
  return 0
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + (thread:get("bad") or 0) end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %.3f, "not_200": %d, "socket_errors": %d, '
      .. '"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}\n',
    summary.requests, summary.duration / 1e6, not_ok, socket_errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end

-- wrk script: POST pre-signed Twilio webhooks, each thread cycling through its own share of
-- the lines of BODIES (one "signature<TAB>form body" per line, made by bench/intake_bench.py:
-- wrk's Lua has no HMAC-SHA1). Counts answers that are not 200. With a third argument
-- "once", a thread stops sending when its share is used up instead of repeating it (each
-- connection may have sent one repeat by then; wrk still runs for its whole duration).
--
-- Paced (open-loop) mode: with WRK_RATE=N in the environment the requests leave on a fixed
-- schedule, N per second over all threads, whatever the answers' latency (wrk alone sends
-- the next request as soon as the previous answer is in, so its latency under saturation only
-- says how many connections it had). Each connection waits for the next free slot of its
-- thread; a slot that no connection was free to take in time is counted as late (the server
-- fell behind the offered rate), with the worst lateness, so a slipped schedule is reported,
-- not hidden. wrk's latencies are still measured from the moment a request is sent.
local threads = {}
local counter = 0
local rate = tonumber(os.getenv("WRK_RATE") or "")
LATE_MS = 10 -- a slot taken this much later than scheduled counts as late

if rate then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
    int clock_gettime(int clock_id, wrk_timespec *tp);
  ]]
  local ts = ffi.new("wrk_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end

  function delay()
    local now = now_ms()
    if next_slot == nil then
      next_slot = now + (id or 0) * interval / nthreads -- threads interleave their slots
    end
    local slot = next_slot
    next_slot = next_slot + interval
    local wait = slot - now
    if wait < -LATE_MS then
      late = late + 1
      if -wait > max_late then max_late = -wait end
    end
    if wait <= 0 then
      return 0
    end
    return math.ceil(wait)
  end
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[2]) or 1
  once = args[3] == "once"
  lines = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      local tab = string.find(line, "\t", 1, true)
      table.insert(lines, {string.sub(line, 1, tab - 1), string.sub(line, tab + 1)})
    end
    i = i + 1
  end
  idx = 0
  wrapped = 0
  not_ok = 0
  late = 0
  max_late = 0
  if rate then
    interval = 1000 * nthreads / rate -- ms between this thread's requests
  end
end

function request()
  idx = idx + 1
  if idx > #lines then
    idx = 1
    wrapped = wrapped + 1 -- from here on, repeats: the gateway treats them as duplicates
    if once then
      wrk.thread:stop()
    end
  end
  local l = lines[idx]
  return wrk.format("POST", "/sms/twilio", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = l[1],
  }, l[2])
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local bad, wraps, lates, worst = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("not_ok") or 0)
    wraps = wraps + (t:get("wrapped") or 0)
    lates = lates + (t:get("late") or 0)
    worst = math.max(worst, t:get("max_late") or 0)
  end
  io.write(string.format("RESULT requests=%d non200=%d wrapped=%d late=%d max_late_ms=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d duration_us=%d socket_errors=%d\n",
    summary.requests, bad, wraps, lates, math.floor(worst), latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end

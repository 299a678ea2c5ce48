-- wrk script: POST pre-signed Twilio webhooks, each thread cycling through its own share of
-- the lines of BODIES (one "signature<TAB>form body" per line, made by bench/intake_bench.py:
-- wrk's Lua has no HMAC-SHA1). Counts answers that are not 200. With a third argument
-- "once", a thread stops sending when its share is used up instead of repeating it (each
-- connection may have sent one repeat by then; wrk still runs for its whole duration).
local threads = {}
local counter = 0

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
  local bad, wraps = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("not_ok") or 0)
    wraps = wraps + (t:get("wrapped") or 0)
  end
  io.write(string.format("RESULT requests=%d non200=%d wrapped=%d p50_us=%d p90_us=%d " ..
    "p99_us=%d max_us=%d duration_us=%d socket_errors=%d\n",
    summary.requests, bad, wraps, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end

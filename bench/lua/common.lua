-- What every scenario shares: per-thread counters of failed checks, and one JSON line of
-- results that bench/run.py reads. A scenario defines `check(status, body)` (true when the
-- answer is right) and `request()`; arguments after `--` are key=value pairs in `args`.
local threads = {}
local next_thread = 0
args = {}

function setup(thread)
   thread:set("thread_id", next_thread)
   next_thread = next_thread + 1
   table.insert(threads, thread)
end

function parse_args(list)
   for _, pair in ipairs(list) do
      local key, value = pair:match("^([%w_]+)=(.*)$")
      if key then args[key] = value end
   end
end

failed = 0
first_failure = nil

function response(status, headers, body)
   if not check(status, body) then
      failed = failed + 1
      if first_failure == nil then
         first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local failures, sample = 0, ""
   for _, thread in ipairs(threads) do
      failures = failures + thread:get("failed")
      local first = thread:get("first_failure")
      if first and sample == "" then sample = first end
   end
   local socket = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
   io.write(string.format(
      'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
         .. '"failed_checks": %d, "non_2xx": %d, "socket_errors": %d, "first_failure": "%s"}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      failures, summary.errors.status, socket, sample:gsub('[%c"\\]', " ")))
end

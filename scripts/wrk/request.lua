-- wrk script for scripts/bench-http.sh: one request shape, set by the environment, and a summary
-- line that the shell parses.
--
--   WRK_METHOD            GET (default) or POST
--   WRK_BODY              request body (POST), sent as application/x-www-form-urlencoded
--   WRK_COOKIE            Cookie header (the signed-in user's session and CSRF cookies)
--   WRK_EXPECT_STATUS     the only status accepted (200, 303, ...)
--   WRK_EXPECT_LOCATION   if set, the Location every response must carry (a 303 to /login is not
--                         a page save)
--   WRK_CHECK             1: inspect every response (costs wrk some CPU per response); otherwise
--                         only wrk's own error counts are kept
--
-- done() prints one line: `wrk-summary key=value ...` (latencies in microseconds).

local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
local cookie = os.getenv("WRK_COOKIE")
local expect_status = tonumber(os.getenv("WRK_EXPECT_STATUS") or "200")
local expect_location = os.getenv("WRK_EXPECT_LOCATION")
if expect_location == "" then expect_location = nil end
local check = os.getenv("WRK_CHECK") == "1"

wrk.method = method
if body and body ~= "" then
    wrk.body = body
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end

-- Per-thread counters (each wrk thread has its own Lua state); done() adds them up.
checked = 0
unexpected = 0
first_unexpected = ""

local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

if check then
    function response(status, headers, _)
        checked = checked + 1
        local location = headers["Location"] or headers["location"]
        if status ~= expect_status or (expect_location and location ~= expect_location) then
            unexpected = unexpected + 1
            if first_unexpected == "" then
                first_unexpected = tostring(status) .. (location and (" -> " .. location) or "")
            end
        end
    end
end

function done(summary, latency, requests)
    local total_checked, total_unexpected, example = 0, 0, ""
    for _, thread in ipairs(threads) do
        total_checked = total_checked + (thread:get("checked") or 0)
        total_unexpected = total_unexpected + (thread:get("unexpected") or 0)
        local first = thread:get("first_unexpected") or ""
        if example == "" then example = first end
    end
    local e = summary.errors
    io.write(string.format(
        "wrk-summary requests=%d duration_us=%d bytes=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
            .. "connect=%d read=%d write=%d timeout=%d non2xx3xx=%d checked=%d unexpected=%d example=%s\n",
        summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        e.connect, e.read, e.write, e.timeout, e.status, total_checked, total_unexpected,
        (example:gsub("%s", "_")) ~= "" and (example:gsub("%s", "_")) or "-"))
end

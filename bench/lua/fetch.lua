-- fetch: one order by id, with its lines, for a key that holds phi:read (so each answer
-- also writes its audit record). Right: 200 with the order's own id and its three lines.
-- Args: key, orders (first-last id).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua"
require "common"

local lo, hi

function init(list)
   parse_args(list)
   lo, hi = args.orders:match("^(%d+)-(%d+)$")
   lo, hi = tonumber(lo), tonumber(hi)
   math.randomseed(os.time() + thread_id)
end

function request()
   return wrk.format("GET", "/v1/orders/" .. math.random(lo, hi), {
      ["Authorization"] = "Bearer " .. args.key,
   })
end

function check(status, body)
   if status ~= 200 then return false end
   local _, lines = body:gsub('"suite_codes":', "")
   return body:find('"id":', 1, true) ~= nil and lines >= 3
end

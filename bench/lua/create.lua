-- create: a customer places an order for one of its patients, three item lines, each
-- request with its own Idempotency-Key. Right: 201 with the order's id.
-- Args: key, patients (first-last), items (three ids, comma separated), run_id (one per run).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua"
require "common"

local counter, patient_lo, patient_hi, items

function init(list)
   parse_args(list)
   patient_lo, patient_hi = args.patients:match("^(%d+)-(%d+)$")
   patient_lo, patient_hi = tonumber(patient_lo), tonumber(patient_hi)
   items = {}
   for id in args.items:gmatch("%d+") do table.insert(items, id) end
   counter = 0
   math.randomseed(os.time() + thread_id)
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"patient_id": %d, "lines": [{"item_id": %s, "count": 1}, '
         .. '{"item_id": %s, "count": 2}, {"item_id": %s, "count": 3}]}',
      math.random(patient_lo, patient_hi), items[1], items[2], items[3])
   return wrk.format("POST", "/v1/orders", {
      ["Authorization"] = "Bearer " .. args.key,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("bench-%s-%d-%d", args.run_id, thread_id, counter),
   }, body)
end

function check(status, body)
   return status == 201 and body:find('"id":', 1, true) ~= nil
end

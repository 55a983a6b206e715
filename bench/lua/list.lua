-- list: the first page of 50 orders of one customer in one status (both picked at random
-- each request). Right: 200 with 50 orders and a next link.
-- Args: key, customers (comma separated ids), statuses (comma separated ids).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua"
require "common"

local customers, statuses, limit

function init(list)
   parse_args(list)
   customers, statuses = {}, {}
   for id in args.customers:gmatch("[^,]+") do table.insert(customers, id) end
   for id in args.statuses:gmatch("[^,]+") do table.insert(statuses, id) end
   limit = tonumber(args.limit or "50")
   math.randomseed(os.time() + thread_id)
end

function request()
   local path = string.format("/v1/orders?customer_account_id=%s&status=%s&limit=%d",
      customers[math.random(#customers)], statuses[math.random(#statuses)], limit)
   return wrk.format("GET", path, {["Authorization"] = "Bearer " .. args.key})
end

function check(status, body)
   if status ~= 200 then return false end
   local _, orders = body:gsub('"customer_account_id":', "")
   return orders == limit and body:find('"next":"', 1, true) ~= nil
end

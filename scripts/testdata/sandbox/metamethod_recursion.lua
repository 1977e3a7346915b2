-- want: stack overflow
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local t = setmetatable({}, { __index = function(t, k) return t[k] end })
local x = t.anything

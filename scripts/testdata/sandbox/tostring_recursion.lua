-- want: stack overflow
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local t
t = setmetatable({}, { __tostring = function(x) return tostring(x) end })
local s = tostring(t)

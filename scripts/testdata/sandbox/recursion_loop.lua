-- want: time limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local function f(n) if n == 0 then return 0 end return f(n - 1) end
while true do f(100) end

-- want: stack overflow
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local function f() return 1 + f() end
f()

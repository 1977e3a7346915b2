-- want: string.gsub: result longer than
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = ("x"):rep(1e5)
local r = s:gsub("x", s)

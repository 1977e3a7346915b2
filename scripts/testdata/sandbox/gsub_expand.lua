-- want: string.gsub: result longer than
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = ("x"):rep(1e4)
local r = s:gsub(".*", ("%0"):rep(1e4))

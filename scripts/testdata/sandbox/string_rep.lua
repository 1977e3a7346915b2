-- want: string.rep: result longer than
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = string.rep("x", 1e9)

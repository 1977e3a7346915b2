-- want: math.random is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local x = math.random(6)

-- want: registry overflow
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local n = select("#", unpack({}, 1, 1e8))

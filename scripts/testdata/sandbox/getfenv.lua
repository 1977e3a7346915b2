-- want: getfenv is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local env = getfenv(0)

-- want: string.dump is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local b = string.dump(function() end)

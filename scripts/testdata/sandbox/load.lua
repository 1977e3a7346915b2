-- want: load is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local f = load(function() return "os.exit(1)" end)

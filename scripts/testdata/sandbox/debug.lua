-- want: debug is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
debug.sethook(function() end, "", 1)

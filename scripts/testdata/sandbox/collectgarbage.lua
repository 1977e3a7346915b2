-- want: collectgarbage is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
collectgarbage("stop")

-- want: loadstring is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
loadstring("return 1")()

-- want: dofile is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
dofile("/etc/passwd")

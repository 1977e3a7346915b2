-- want: print is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
print("secret")

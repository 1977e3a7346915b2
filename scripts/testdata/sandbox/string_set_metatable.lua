-- want: cannot change a protected metatable
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
setmetatable("", {})

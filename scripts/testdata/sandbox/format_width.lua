-- want: width or precision longer than two digits
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = string.format(("%999999d"):rep(100), 1)

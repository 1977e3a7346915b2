-- want: memory limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local t = {}
local s = ("x"):rep(10000)
while true do t[#t + 1] = s .. #t end

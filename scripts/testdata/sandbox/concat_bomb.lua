-- want: memory limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = "x"
for i = 1, 64 do s = s .. s end

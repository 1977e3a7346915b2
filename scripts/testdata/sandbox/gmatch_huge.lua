-- want: string.gmatch: subject longer than
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = "x"
for i = 1, 21 do s = s .. s end
for m in s:gmatch("") do end

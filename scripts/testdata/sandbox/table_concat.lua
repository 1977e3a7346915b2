-- want: table.concat: result longer than
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local t = {}
for i = 1, 1e4 do t[i] = "x" end
local s = table.concat(t, ("y"):rep(1e5))

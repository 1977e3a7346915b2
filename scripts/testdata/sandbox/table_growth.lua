-- want: memory limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local t, i = {}, 0
while true do i = i + 1 t[i] = { i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i } end

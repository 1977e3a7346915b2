-- want: time limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
while true do pcall(function() while true do end end) end

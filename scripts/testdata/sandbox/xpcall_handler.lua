-- want: time limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
while true do xpcall(function() error("x") end, function(e) error(e) end) end

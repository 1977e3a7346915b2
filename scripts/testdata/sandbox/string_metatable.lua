-- want: attempt to index a non-table object(boolean)
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
getmetatable("").__index = { len = function() return 0 end }

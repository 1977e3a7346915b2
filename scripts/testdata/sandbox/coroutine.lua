-- want: coroutine is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local co = coroutine.create(function() while true do coroutine.yield() end end)

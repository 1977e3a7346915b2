-- want: script ran past its time limit in a pattern match
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local s = ("a"):rep(200)
local x = s:find(".-.-.-b")

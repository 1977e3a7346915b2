-- want: attempt to index a non-table object(nil)
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
local io = rawget(_G, "io")
io.open("/etc/passwd")

-- want: io is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
act "A" { step { by = "CA", witness = "IW", "Read a file.", run = function() local f = io.open("/etc/passwd") end } }

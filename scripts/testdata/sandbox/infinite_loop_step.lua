-- want: time limit
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
act "A" { step { by = "CA", witness = "IW", "Spin.", run = function() local i = 0 while true do i = i + 1 end end } }

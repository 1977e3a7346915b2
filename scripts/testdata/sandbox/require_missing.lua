-- want: no such file
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
require "nonexistent"

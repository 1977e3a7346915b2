-- want: only modules beside the script
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
require "../x"

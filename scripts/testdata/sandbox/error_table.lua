-- want: error called with a table instead of a message
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
error({ code = 1 })

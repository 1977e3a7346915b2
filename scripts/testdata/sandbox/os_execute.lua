-- want: os is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
os.execute("touch /tmp/ceremony-pwned")

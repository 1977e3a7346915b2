-- want: package is not available
ceremony { name = "sandbox", roles = { CA = role "Administrator", IW = role "Witness" } }
package.path = "/tmp/?.lua"

ceremony { name = "artifacts", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Sign what is not there yet.",
         run = function() hsm.sign { key = "k", artifact = "later.txt", out = "later.sig" } end }, -- want: 4 artifact "later.txt" is signed before any step saves it
  step { by = "CA", witness = "IW", "Save.",
         run = function()
           artifact { "later.txt", content = "x" }
           artifact { "later.txt", content = "y" } -- want: 8 artifact "later.txt" is made twice (first at line 7)
           hsm.sign { key = "k", artifact = "later.txt", out = "later.sig" } -- want: 9 artifact "later.sig" is made twice (first at line 4)
         end },
  step { by = "CA", witness = "IW", "Keys.",
         run = function()
           hsm.generate_key { label = "root", type = "ed25519" }
           hsm.generate_key { label = "root", type = "ecdsa-p256" } -- want: 14 key "root" is made twice (first at line 13)
         end },
}

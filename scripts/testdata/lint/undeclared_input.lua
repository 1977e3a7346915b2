ceremony {
  name = "undeclared input",
  roles = { CA = role "Administrator", RP = role { "Remote", remote = true } },
  inputs = { csr = file "request" },
}
act "One" {
  step { by = "CA", witness = "RP", "Read the hash.",
         run = function()
           verify_out_of_band { input "csr", with = "RP" }
           verify_out_of_band { input "ksr", with = "RP" } -- want: 10 input "ksr" is used but not declared
         end },
  step { by = "CA", witness = "RP", "Sign.",
         run = function() hsm.sign { key = "k", input = input "kst", out = "x.sig" } end }, -- want: 13 input "kst" is used but not declared
}

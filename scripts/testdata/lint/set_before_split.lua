ceremony { name = "set before split", roles = { CA = role "Administrator", CO = role { "Officer", min = 2 } } }
act "One" {
  step { by = "CO", witness = "CA", "Log in before the PIN exists.",
         run = function() hsm.activate { shares = "hsm-user" } end }, -- want: 4 share set "hsm-user" is used before any split_secret creates it
  step { by = "CA", witness = "CO", "Split.",
         run = function() split_secret { set = "hsm-user", holders = "CO", m = 2, n = 2 } end },
  step { by = "CO", witness = "CA", "Now it exists.",
         run = function() collect_shares { set = "hsm-user" } end },
  step { by = "CO", witness = "CA", "Initialise with a set never split.",
         run = function() hsm.init_token { so = "hsm-so", user = "hsm-user" } end }, -- want: 10 share set "hsm-so" is used before any split_secret creates it
  step { by = "CA", witness = "CO", "Split again.",
         run = function() split_secret { set = "hsm-user", holders = "CO", m = 2, n = 2 } end }, -- want: 12 share set "hsm-user" is split twice (first at line 6)
}

-- roster: alice=CA bob=CO carol=CO dave=IW erin=IW
ceremony {
  name = "role counts",
  roles = {
    CA = role "Administrator",
    CO = role { "Officer", min = 3 }, -- want: 6 role CO needs at least 3 people, the roster has 2
    IW = role { "Witness", max = 1 }, -- want: 7 role IW allows at most 1 person, the roster has 2
    EW = role "External witness", -- want: 8 role EW needs at least 1 person, the roster has 0
  },
}
act "One" {
  step { by = "CA", witness = "IW", "Split.",
         run = function() split_secret { set = "s", holders = "CO", m = 2, n = 3 } end }, -- want: 13 split_secret gives 3 shares to CO, the roster has 2
}

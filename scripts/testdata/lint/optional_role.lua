-- roster: alice=CA bob=IW
ceremony { name = "optional role", roles = { CA = role "Administrator", IW = role "Witness", EW = role { "External witness", min = 0 } } }
act "One" {
  step { by = "CA", witness = "IW", "Fine." },
  step { by = "CA", witness = { "IW", "EW" }, "Needs an external witness." }, -- want: 5 step 1.2 needs someone holding role EW, and no one on the roster does
}

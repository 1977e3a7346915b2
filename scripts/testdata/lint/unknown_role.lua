ceremony { name = "unknown role", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Fine." },
  step { by = "CO", witness = "IW", "Nobody declared CO." }, -- want: 4 unknown role "CO" in by
  step { by = "CA", witness = { "IW", "EW" }, "Nobody declared EW." }, -- want: 5 unknown role "EW" in witness
}

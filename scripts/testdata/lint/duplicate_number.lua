ceremony { name = "duplicate numbers", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "First." },
  step { by = "CA", witness = "IW", number = "1.1", "Pinned to a number already taken." }, -- want: 4 step number 1.1 is used twice (first at line 3)
}

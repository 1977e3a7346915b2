ceremony { name = "empty act", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Something." },
}
act "Nothing here" {} -- want: 5 act 2 "Nothing here" has no steps

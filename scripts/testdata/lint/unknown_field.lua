ceremony { name = "unknown field", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witnes = "IW", "A misspelt witness." }, -- want: 3 step: unknown field "witnes"
}

ceremony { name = "syntax", roles = { CA = role "Administrator" } }
act "One" {
  step { by = "CA" "No comma." }, -- want: 3 syntax error
}

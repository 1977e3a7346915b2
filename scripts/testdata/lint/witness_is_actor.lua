ceremony { name = "witness is actor", roles = { CA = role { "Administrator", max = 1 }, CO = role { "Officer", min = 2 } } }
act "One" {
  step { by = "CA", witness = "CA", "The only administrator cannot witness themself." }, -- want: 3 role CA both acts and witnesses, but only one person may hold it
  step { by = "CO", witness = "CO", "Another officer witnesses." },
}

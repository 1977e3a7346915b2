-- roster: alice=CA,IW bob=CO
ceremony { name = "only witness", roles = { CA = role "Administrator", IW = role "Witness", CO = role "Officer" } }
act "One" {
  step { by = "CA", witness = "IW", "alice would witness herself." }, -- want: 4 alice is the only CA and the only IW
  step { by = "CO", witness = "IW", "alice witnesses bob: fine." },
}

-- roster: alice=CA,IW bob=IW carol=CO,AU
ceremony { -- want: 2 separation of duties: alice holds CA and IW -- want: 2 unknown role "AX" in separate
  name = "separation",
  roles = { CA = role "Administrator", IW = role "Witness", CO = role "Officer", AU = role "Auditor" },
  separate = { { "CA", "IW" }, { "CO", "AX" } },
}
act "One" {
  step { by = "CA", witness = "IW", "Fine: bob can witness." },
}

-- roster: alice=CA bob=IW carol=CO
ceremony {
  name = "several problems",
  roles = { CA = role "Administrator", IW = role "Witness", CO = role { "Officer", min = 2 } }, -- want: 4 role CO needs at least 2 people, the roster has 1
}
act "Open" {
  step { by = "CA", witness = "ZZ", "Unknown witness." }, -- want: 7 unknown role "ZZ"
  step { by = "CO", witness = "IW", "Collect a set never split.",
         run = function() collect_shares { set = "nope" } end }, -- want: 9 share set "nope" is used before
}
act "Empty" {} -- want: 11 act 2 "Empty" has no steps
act "Sign" {
  step { by = "CA", witness = "IW", number = "1.2", "Duplicate number.", -- want: 13 step number 1.2 is used twice
         run = function() verify_out_of_band { input "ksr", with = "IW" } end }, -- want: 14 input "ksr" is used but not declared
}

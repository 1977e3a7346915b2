ceremony { name = "bad pattern", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Record.",
         run = function() record { "bag", pattern = "^[A-Z" } end }, -- want: 4 record: pattern
}

ceremony { name = "runtime error", roles = { CA = role "Administrator", IW = role "Witness" } }
act "One" {
  step { by = "CA", witness = "IW", "Index nil.",
         run = function()
           local key = nil
           confirm { "Key " .. key.label } -- want: 6 attempt to index
         end },
}

-- roster: alice=CA bob=CO carol=CO
-- sets: hsm-user
ceremony { name = "set from an earlier ceremony", roles = { CA = role "Administrator", CO = role { "Officer", min = 2 } } }
act "One" {
  step { by = "CO", witness = "CA", "The set was split last year.",
         run = function() hsm.activate { shares = "hsm-user" } end },
}

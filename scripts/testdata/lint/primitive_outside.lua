ceremony { name = "primitive outside a step", roles = { CA = role "Administrator" } }
confirm { "Not inside a step." } -- want: 2 confirm can only be called inside a step's run function

local function f() return ... end -- want: 1 cannot use '...' outside a vararg function

-- A short ceremony that uses every primitive once, for `ceremony demo` and
-- for rehearsing what a real ceremony asks of the room. It creates a token's
-- SO and user secrets as 2-of-3 shares, initialises the token, activates it
-- with the crypto officers' shares, generates a signing key and signs a
-- request read back out of band by a remote party.

ceremony {
  name = "Demonstration ceremony", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 3 },
    RP = role { "Remote Party", remote = true },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
  inputs = { request = file { "Request to sign", max = "64KiB" } },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Announce the ceremony and start the recording. Confirm the time with the room.",
         run = function() clock {} end },
  step { by = "CA", witness = "IW", "Record the machine the ceremony runs on.",
         run = function() machine {} end },
  step { by = "CA", witness = "IW", "Go through the room checklist.",
         run = function() checklist { "Room", items = { "Doors closed", "Cameras on", "No phones at the table" } } end },
  step { by = "CA", witness = "IW", "Take the token out of its tamper-evident bag and record the bag number.",
         on_failure = "retry",
         run = function() record { "Token bag", pattern = "^%u%u%d%d%d%d%d%d%d%d$", describe = "the two capital letters and eight digits printed on the bag" } end },
}

act "Create the token's secrets" {
  step { by = "CA", witness = "IW", "Split the token's security officer secret among the crypto officers.",
         run = function() split_secret { set = "demo-so", label = "demo SO secret", holders = "CO", m = 2, n = 3 } end },
  step { by = "CA", witness = "IW", "Split the token's user secret among the crypto officers.",
         run = function() split_secret { set = "demo-user", label = "demo user secret", holders = "CO", m = 2, n = 3 } end },
  step { by = "CA", witness = "IW", "Initialise the token with both secrets.",
         run = function() hsm.init_token { so = "demo-so", user = "demo-user" } end },
}

act "Generate and sign" {
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "demo-user" } end },
  step { by = "CA", witness = "IW", "Generate the signing key on the token.",
         run = function() hsm.generate_key { label = "demo-root", type = "ecdsa-p256" } end },
  step { by = "CA", witness = "RP", "Read the request's hash to the remote party, who reads it back from their copy.",
         on_failure = { "retry", "abort" },
         run = function() verify_out_of_band { input "request", with = "RP" } end },
  step { by = "CA", witness = "IW", "Sign the request with the new key.",
         run = function() hsm.sign { key = "demo-root", input = input "request", out = "request.sig" } end },
  step { by = "CA", witness = "IW", "Save the ceremony notes with the bundle.",
         run = function()
           artifact { "notes.txt", content = "Demonstration ceremony: key demo-root signed the request.\n" }
         end },
}

act "Close the ceremony" {
  step { by = "CO", witness = "IW", "Crypto officers check that the SO shares still combine, then seal their sheets.",
         run = function() collect_shares { set = "demo-so" } end },
  step { by = "CA", witness = "IW", "Record that the demo's token is software, as a rehearsal expects (nothing is recorded on a hardware token).",
         run = function()
           exception { expected = "a hardware token", happened = "the embedded software token was used",
                       decision = "accepted for a demonstration", approver = "IW", when = "software token" }
         end },
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

-- A small ceremony that uses every primitive: generate an HSM user PIN,
-- split it among crypto officers, initialise the token, make a key and sign
-- a request that a remote party confirms by phone.
ceremony {
  name = "Example root key generation", version = "2026.1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 3 },
    RP = role { "Relying party operator", remote = true },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
  inputs = {
    csr = file { "Certificate request from the relying party", max = "64KiB" },
  },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Check the room and the equipment.",
         run = function()
           checklist { "Room", items = { "Door closed", "Cameras recording", "Phones outside" } }
           clock {}
           machine {}
         end },
  step { by = "CA", witness = "IW", "Record the tamper-evident bag number of the HSM.",
         run = function()
           local bag = record { "HSM bag", pattern = "^[A-Z][A-Z]%d%d%d%d%d%d%d%d$" }
           confirm { "Bag " .. bag .. " is intact and opened." }
         end },
}

act "Initialise the HSM" {
  step { by = "CA", witness = "IW", "Generate the user PIN and give each crypto officer a share.",
         run = function()
           split_secret { set = "hsm-so", label = "HSM security officer", holders = "CO", m = 2, n = 3 }
           split_secret { set = "hsm-user", label = "HSM user", holders = "CO", m = 2, n = 3 }
         end },
  step { by = "CO", witness = { "IW", "CA" }, "Crypto officers initialise the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.init_token { so = "hsm-so", user = "hsm-user" } end },
  step { by = "CO", witness = "IW", "Crypto officers enter their shares to log in.",
         on_failure = "retry",
         run = function() hsm.activate { shares = "hsm-user" } end },
}

act "Make and use the key" {
  step { by = "CA", witness = "IW", "Generate the root key on the HSM.",
         run = function()
           local key = hsm.generate_key { label = "root-2026", type = "ecdsa-p256" }
           artifact { "root-2026.pub", content = key.public_key }
         end },
  step { by = "CA", witness = "RP", "Read the request's hash to the relying party by phone.",
         run = function() verify_out_of_band { input "csr", with = "RP" } end },
  step { by = "CA", witness = "IW", "Sign the request.",
         on_failure = { "retry", "skip" },
         run = function() hsm.sign { key = "root-2026", input = input "csr", out = "csr.sig" } end },
  step { by = "CA", witness = "IW", "Lock the HSM back in its bag." },
}

act "Close" {
  step { by = "CA", witness = "IW", "Everyone signs the record.",
         run = function() signoff {} end },
}

-- Provisioning users' YubiKeys from the users intermediate, as the second
-- half of the PKI guide does, in the room and on the record. Each user
-- comes to the table in turn with a YubiKey fresh from its box: the card is
-- checked (serial, firmware), a key is made on it in slot 9a and its
-- attestation verified before anything is signed, the users CA on the
-- token certifies it (two years, signing and client authentication), the
-- certificate goes onto the card and into the ledger, the management key is
-- replaced by a random one kept only on the card behind the PIN, the user
-- types the PIN they chose, and the PUK is blocked. With escrow (the
-- default), each card also gets a key-management key (9d) made in the
-- ceremony, certified for key encipherment and agreement, imported, and
-- split 2-of-2 to the crypto officers' YubiKeys as envelopes before it is
-- wiped: the officers' cards are enrolled (rehearsals) or attested again
-- (cards enrolled at officer-cards.lua) at the start.
--
-- The configuration sets with_new_ca = false and gives the users CA's
-- certificate (users.crt of the root ceremony) and the last ledger.json as
-- inputs, with the root ceremony's user share set in [sets] (root-user),
-- and the users to provision on the roster with the role US. With
-- with_new_ca (the default, for rehearsals) a fresh token first gets a
-- root and a users intermediate.

ceremony {
  name = "YubiKey provisioning", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 2 },
    US = role { "User receiving a YubiKey", min = 1 },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" }, { "US", "IW" } },
  inputs = {
    users_crt = file { "The users CA's certificate (users.crt of the root ceremony)", max = "64KiB", optional = true },
    ledger = file { "The ledger of the last ceremony (ledger.json)", max = "16MiB", optional = true },
  },
}

params = {
  with_new_ca  = param { "Make a root and a users intermediate on a fresh token first, as a rehearsal does (false: the root ceremony's token and files)", type = "boolean", default = true },
  users_key    = param { "Label of the users CA's key on the token", default = "users-ca", pattern = "^[%w%-_]+$" },
  subject      = param { "Each user's certificate subject; {name} is the user's name", default = "CN={name}, O=Example Co" },
  validity     = param { "How long a user's certificate is valid", default = "17520h", pattern = "^%d+[hdw]$" },
  unlock       = param { "When the 9a key asks for the PIN", values = { "once", "always" }, default = "once" },
  touch        = param { "When the 9a key asks for a touch", values = { "always", "cached", "never" }, default = "always" },
  escrow       = param { "Give each card an escrowed 9d key, split 2-of-2 to the crypto officers' cards", type = "boolean", default = true },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Announce the ceremony and start the recording. Confirm the time with the room.",
         run = function() clock {} end },
  step { by = "CA", witness = "IW", "Take the token out of its tamper-evident bag and record the bag number.",
         on_failure = "retry",
         run = function() record { "Token bag", pattern = "^%u%u%d%d%d%d%d%d%d%d$", describe = "the two capital letters and eight digits printed on the bag" } end },
  step { by = "CA", witness = "IW", "Rehearsals only: split a fresh token's secrets and initialise it.",
         run = function()
           if params.with_new_ca then
             split_secret { set = "root-so", label = "rehearsal token SO secret", holders = "CO", m = 2, n = 2 }
             split_secret { set = "root-user", label = "rehearsal token user secret", holders = "CO", m = 2, n = 2 }
             hsm.init_token { so = "root-so", user = "root-user" }
           end
         end },
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "root-user" } end },
  step { by = "CA", witness = "IW", "Rehearsals only: make a root and the users intermediate on the token.",
         run = function()
           if params.with_new_ca then
             hsm.generate_key { label = "root-ca", type = "ecdsa-p384" }
             x509.root { key = "root-ca", name = "root", subject = "C=US, O=Example Co, CN=Rehearsal Root CA", validity = "87600h", path_len = 1 }
             hsm.generate_key { label = params.users_key, type = "ecdsa-p256" }
             x509.intermediate { issuer = "root.crt", key = "root-ca", name = "users", subject = "C=US, O=Example Co, CN=Rehearsal Users CA",
                                 validity = "43800h", path_len = 0, subject_key = params.users_key }
           end
         end },
}

act "The escrow holders' YubiKeys" {
  step { by = "CA", witness = "IW", "The first crypto officer puts their YubiKey in the reader for the escrowed keys (rehearsals: a fresh one, enrolled now).",
         on_failure = { "retry", "abort" },
         run = function() if params.escrow then piv.enroll { holders = "CO", index = 1, existing = not params.with_new_ca } end end },
  step { by = "CA", witness = "IW", "The second crypto officer does the same.",
         on_failure = { "retry", "abort" },
         run = function() if params.escrow then piv.enroll { holders = "CO", index = 2, existing = not params.with_new_ca } end end },
}

act "The users' YubiKeys" {
  step { by = "US", witness = "IW", "The user puts their new YubiKey in the reader, checks its serial against the box, provisions it and chooses their PIN.",
         on_failure = { "retry", "abort" },
         run = function()
           local p = { key = params.users_key, slot = "9a", type = "ecdsa-p256", subject = params.subject, validity = params.validity,
                       pin_policy = params.unlock, touch_policy = params.touch, puk = "block", out = "{id}-9a.crt" }
           if params.with_new_ca then
             p.issuer = "users.crt"
           else
             p.issuer_cert, p.ledger = input "users_crt", input "ledger"
           end
           if params.escrow then
             p.escrow, p.escrow_m, p.escrow_n = "CO", 2, 2
           end
           piv.provision(p)
         end },
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Write the ledger of issued certificates.",
         run = function()
           if params.with_new_ca then x509.ledger { out = "ledger" } else x509.ledger { ledger = input "ledger", out = "ledger" } end
         end },
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

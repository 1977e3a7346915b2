-- The offline root's CRL ceremony, held at least once a year (before the
-- last CRL's nextUpdate) and whenever an intermediate must be revoked. The
-- token comes out of its bag, the crypto officers activate it with the
-- shares of the root ceremony, and the root key signs the next CRL: its
-- number one above the last, everything the last one revoked kept, and the
-- intermediate the revoke parameter names revoked with its reason. The
-- ledger is written anew.
--
-- The configuration sets with_new_root = false and gives the root
-- ceremony's files as inputs (artifacts/root.crt, the last root.crl,
-- ledger.json) and the user share set's public record in [sets]
-- (root-user). With with_new_root (the default, for rehearsals) the
-- ceremony first makes a root and its first CRL on a fresh token, then
-- the next CRL above it.

ceremony {
  name = "Root CA CRL", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 2 },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
  inputs = {
    root_crt = file { "The root certificate (root.crt of the root ceremony)", max = "64KiB", optional = true },
    previous_crl = file { "The root's last CRL", max = "16MiB", optional = true },
    ledger = file { "The ledger of the last ceremony (ledger.json)", max = "16MiB", optional = true },
  },
}

params = {
  with_new_root = param { "Make a root and its first CRL on a fresh token first, as a rehearsal does (false: the root ceremony's token and files)", type = "boolean", default = true },
  root_key      = param { "Label of the root key on the token", default = "root-ca", pattern = "^[%w%-_]+$" },
  crl_validity  = param { "How long the CRL is valid, at most a year", default = "8760h", pattern = "^%d+[hdw]$" },
  revoke        = param { "The intermediate to revoke, by name (dev, prod ...) or serial; none for none", default = "none" },
  reason        = param { "Why it is revoked", values = { "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "privilegeWithdrawn", "unspecified" }, default = "superseded" },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Announce the ceremony and start the recording. Confirm the time with the room.",
         run = function() clock {} end },
  step { by = "CA", witness = "IW", "Take the token out of its tamper-evident bag and record the bag number.",
         on_failure = "retry",
         run = function() record { "Token bag", pattern = "^%u%u%d%d%d%d%d%d%d%d$" } end },
  step { by = "CA", witness = "IW", "Check the root certificate's fingerprint against the paper script of the root ceremony.",
         on_failure = { "retry", "abort" },
         run = function()
           if not params.with_new_root then verify_out_of_band { input "root_crt", with = "IW" } end
         end },
}

act "The CRL" {
  step { by = "CA", witness = "IW", "Rehearsals only: split a fresh token's secrets and initialise it.",
         run = function()
           if params.with_new_root then
             split_secret { set = "root-so", label = "root CA token SO secret", holders = "CO", m = 2, n = 2 }
             split_secret { set = "root-user", label = "root CA token user secret", holders = "CO", m = 2, n = 2 }
             hsm.init_token { so = "root-so", user = "root-user" }
           end
         end },
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "root-user" } end },
  step { by = "CA", witness = "IW", "Rehearsals only: make a root and its first CRL.",
         run = function()
           if params.with_new_root then
             hsm.generate_key { label = params.root_key, type = "ecdsa-p384" }
             x509.root { key = params.root_key, name = "root", subject = "C=US, O=Example Co, CN=Rehearsal Root CA", validity = "87600h" }
             x509.crl { issuer = "root.crt", key = params.root_key, next_update = params.crl_validity, out = "root-1.crl" }
           end
         end },
  step { by = "CA", witness = "IW", "Make the next CRL; check its number, dates and revocations against the paper script.",
         run = function()
           local revoke = {}
           if params.revoke ~= "none" then revoke = { params.revoke } end
           local crl = { key = params.root_key, revoke = revoke, reason = params.reason, next_update = params.crl_validity, out = "root.crl" }
           if params.with_new_root then
             crl.issuer, crl.previous_from = "root.crt", "root-1.crl"
           else
             crl.issuer_cert, crl.previous, crl.ledger = input "root_crt", input "previous_crl", input "ledger"
           end
           x509.crl(crl)
         end },
  step { by = "CA", witness = "IW", "Write the ledger of issued certificates.",
         run = function()
           if params.with_new_root then x509.ledger { out = "ledger" } else x509.ledger { ledger = input "ledger", out = "ledger" } end
         end },
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

-- The root KSK operator's key signing ceremony. The ZSK operator's Key
-- Signing Request is brought in; its SHA-256 is read back by the ZSK
-- operator on the phone; every check IANA's signer applies is run and
-- shown with a table of the bundles before the room confirms signing; the
-- KSKs on the token sign each bundle's DNSKEY RRset, every signature is
-- verified, and the Signed Key Response's hash is shown for the return
-- channel.
--
-- The first ceremony on a token (first_ceremony) initialises it and
-- generates the KSK, as a rehearsal does; later ones activate the token
-- with the shares of that ceremony ([sets] ksk-user) and take the last SKR
-- as the previous_skr input. Rehearsals without a configuration sign a
-- stand-in KSR made for the days ahead, with ZSKs whose proof of
-- possession is real.

ceremony {
  name = "DNSSEC KSR signing", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 2 },
    ZSKO = role { "ZSK operator", remote = true },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
  inputs = {
    ksr = file { "The Key Signing Request from the ZSK operator", max = "1MiB", standin = "dnssec-ksr" },
    previous_skr = file { "The last Signed Key Response", max = "1MiB", optional = true },
  },
}

params = {
  first_ceremony = param { "Initialise the token and generate the KSK first", type = "boolean", default = true },
  ksk            = param { "Label of the KSK that signs", default = "ksk", pattern = "^[%w%-_]+$" },
  publish        = param { "Label of a KSK published without signing (none for none)", default = "none" },
  revoke         = param { "Label of a KSK published revoked, signing too (none for none)", default = "none" },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Announce the ceremony and start the recording. Confirm the time with the room.",
         run = function() clock {} end },
  step { by = "CA", witness = "IW", "Take the token out of its tamper-evident bag and record the bag number.",
         on_failure = "retry",
         run = function() record { "Token bag", pattern = "^%u%u%d%d%d%d%d%d%d%d$" } end },
}

act "The token" {
  step { by = "CA", witness = "IW", "Initialise the token with secrets split among the crypto officers (the first ceremony only).",
         run = function()
           if params.first_ceremony then
             split_secret { set = "ksk-so", label = "KSK token SO secret", holders = "CO", m = 2, n = 2 }
             split_secret { set = "ksk-user", label = "KSK token user secret", holders = "CO", m = 2, n = 2 }
             hsm.init_token { so = "ksk-so", user = "ksk-user" }
           end
         end },
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "ksk-user" } end },
  step { by = "CA", witness = "IW", "Generate the KSK (the first ceremony only).",
         run = function()
           if params.first_ceremony then hsm.generate_key { label = params.ksk, type = "rsa-2048" } end
         end },
}

act "The KSR" {
  step { by = "CA", witness = "ZSKO", "The ZSK operator reads the KSR's hash from their copy; type what they read.",
         on_failure = { "retry", "abort" },
         run = function() verify_out_of_band { input "ksr", with = "ZSKO", blind = true } end },
  step { by = "CA", witness = "IW", "Check the KSR, confirm the table of bundles, and sign it.",
         run = function()
           local previous = nil
           if not params.first_ceremony then previous = input "previous_skr" end
           local publish, revoke = {}, {}
           if params.publish ~= "none" then publish = { params.publish } end
           if params.revoke ~= "none" then revoke = { params.revoke } end
           dnssec.sign_ksr { ksr = input "ksr", previous = previous, sign = { params.ksk }, publish = publish, revoke = revoke, out = "skr.xml" }
         end },
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

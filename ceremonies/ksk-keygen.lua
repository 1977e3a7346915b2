-- The KSK generation ceremony of a DNSSEC zone operator (OpenDNSSEC on a
-- PKCS #11 token, or the root's KSK operator). The token is initialised
-- with SO and user secrets split among the crypto officers (init_token),
-- a KSK is generated on it, and its DNSKEY, key tag (and the tag it will
-- have once revoked), DS records and an RFC 7958 trust-anchor file are
-- written; the DS digest is read to the registrar in PGP words.

ceremony {
  name = "DNSSEC KSK generation", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 2 },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
}

params = {
  zone       = param { "The zone the KSK signs", default = "example.org." },
  key_label  = param { "Label of the KSK on the token", default = "ksk-1", pattern = "^[%w%-_]+$" },
  key_type   = param { "Key type: rsa-2048 is the root's algorithm 8, ecdsa-p256 algorithm 13", values = { "ecdsa-p256", "ecdsa-p384", "rsa-2048", "ed25519" }, default = "ecdsa-p256" },
  init_token = param { "Initialise the token first, with secrets split among the crypto officers", type = "boolean", default = true },
  sha384_ds  = param { "Also write a SHA-384 DS", type = "boolean", default = false },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Announce the ceremony and start the recording. Confirm the time with the room.",
         run = function() clock {} end },
  step { by = "CA", witness = "IW", "Record the machine the ceremony runs on.",
         run = function() machine {} end },
  step { by = "CA", witness = "IW", "Take the token out of its tamper-evident bag and record the bag number.",
         on_failure = "retry",
         run = function() record { "Token bag", pattern = "^%u%u%d%d%d%d%d%d%d%d$" } end },
}

act "The KSK" {
  step { by = "CA", witness = "IW", "Split the token's secrets among the crypto officers and initialise the token (when asked).",
         run = function()
           if params.init_token then
             split_secret { set = "ksk-so", label = "KSK token SO secret", holders = "CO", m = 2, n = 2 }
             split_secret { set = "ksk-user", label = "KSK token user secret", holders = "CO", m = 2, n = 2 }
             hsm.init_token { so = "ksk-so", user = "ksk-user" }
           end
         end },
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "ksk-user" } end },
  step { by = "CA", witness = "IW", "Generate the KSK on the token.",
         run = function() hsm.generate_key { label = params.key_label, type = params.key_type } end },
  step { by = "CA", witness = "IW", "Write the KSK's DNSKEY, DS and trust anchor; read the DS digest aloud.",
         run = function()
           local digests = { "2" }
           if params.sha384_ds then digests = { "2", "4" } end
           dnssec.ksk { key = params.key_label, zone = params.zone, digests = digests, out = "ksk" }
         end },
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

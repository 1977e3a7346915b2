-- The token's secrets kept on the crypto officers' own YubiKeys instead of
-- paper. Each officer brings a YubiKey fresh from its box; a key is made on
-- it in the key-management slot (9d) and its attestation verified; they
-- choose its PIN. The token's SO and user secrets are then split 2-of-3,
-- each share sealed to its holder's card as an envelope kept in the bundle
-- (envelopes/): no sheet is printed or shown, and every officer opens their
-- envelope on their card before the split ends. The token is initialised,
-- and activated by two officers with their cards and PINs.
--
-- A later ceremony uses the same envelopes: the configuration gives the
-- set's record in [sets] and the bundle's envelopes directory in
-- [envelopes], and each officer is asked for their card and PIN where a
-- typed share would be asked for.

ceremony {
  name = "Token secrets on the crypto officers' YubiKeys", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 3 },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
}

params = {
  unlock = param { "When a card's envelope key asks for the PIN", values = { "once", "always" }, default = "always" },
  touch  = param { "When a card's envelope key asks for a touch", values = { "always", "cached", "never" }, default = "never" },
}

act "Open the ceremony" {
  step { by = "CA", witness = "IW", "Announce the ceremony and start the recording. Confirm the time with the room.",
         run = function() clock {} end },
  step { by = "CA", witness = "IW", "Take the token out of its tamper-evident bag and record the bag number.",
         on_failure = "retry",
         run = function() record { "Token bag", pattern = "^%u%u%d%d%d%d%d%d%d%d$", describe = "the two capital letters and eight digits printed on the bag" } end },
}

act "Enroll the crypto officers' YubiKeys" {
  step { by = "CA", witness = "IW", "The first crypto officer puts their new YubiKey in the reader, checks its serial against the box, and chooses its PIN.",
         on_failure = { "retry", "abort" },
         run = function() piv.enroll { holders = "CO", index = 1, pin_policy = params.unlock, touch_policy = params.touch } end },
  step { by = "CA", witness = "IW", "The second crypto officer does the same with theirs.",
         on_failure = { "retry", "abort" },
         run = function() piv.enroll { holders = "CO", index = 2, pin_policy = params.unlock, touch_policy = params.touch } end },
  step { by = "CA", witness = "IW", "The third crypto officer does the same with theirs.",
         on_failure = { "retry", "abort" },
         run = function() piv.enroll { holders = "CO", index = 3, pin_policy = params.unlock, touch_policy = params.touch } end },
}

act "Create the token's secrets on the cards" {
  step { by = "CA", witness = "IW", "Split the token's security officer secret to the crypto officers' cards; each opens their envelope.",
         run = function() split_secret { set = "token-so", label = "token SO secret", holders = "CO", m = 2, n = 3, to_cards = true } end },
  step { by = "CA", witness = "IW", "Split the token's user secret to the crypto officers' cards; each opens their envelope.",
         run = function() split_secret { set = "token-user", label = "token user secret", holders = "CO", m = 2, n = 3, to_cards = true } end },
  step { by = "CA", witness = "IW", "Initialise the token with both secrets.",
         run = function() hsm.init_token { so = "token-so", user = "token-user" } end },
}

act "Activate with the cards" {
  step { by = "CO", witness = "IW", "Two crypto officers open their user envelopes on their cards to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "token-user" } end },
  step { by = "CA", witness = "IW", "Generate a key on the token, which only an activated token does.",
         run = function() hsm.generate_key { label = "officer-cards-check", type = "ecdsa-p256" } end },
  step { by = "CO", witness = "IW", "Two crypto officers check that the SO envelopes still open and combine.",
         run = function() collect_shares { set = "token-so" } end },
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

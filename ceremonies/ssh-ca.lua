-- The SSH certificate authority ceremony. The CA key lives on the token:
-- it is generated here (or, with new_ca = false, the one already on the
-- token is used), its public key is written as ssh_ca.pub for sshd's
-- TrustedUserCAKeys and known_hosts' @cert-authority, and its fingerprint
-- goes on the paper script. The users' and hosts' public keys listed in the
-- inputs are certified with the principals and validity the parameters
-- give, serials continue the ledger of the previous ceremony, and a
-- revocation list of everything the ledger revokes is written and signed.
--
-- Key lists are authorized_keys lines: the comment is the certificate's key
-- id, and an optional principals="a,b" option its principals, e.g.
--   principals="alice,deploy" ssh-ed25519 AAAAC3Nza... alice
-- Rehearsals without a configuration use stand-in keys whose private
-- halves were destroyed: their certificates log no one in.

ceremony {
  name = "SSH certificate authority", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 2 },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
  inputs = {
    user_keys = file { "Users' public keys to certify", max = "8MiB", rehearsal = [[
# stand-in keys for rehearsals
principals="alice,deploy" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDYMpOB56gguJJnMdgkFU4M2ImaP+KI/AGmog2rlQR/8 alice
principals="bruno" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINclghZFxFktbxS0RHvMXJW7ssVnRtJcGv1qlGhvyvZ0 bruno
]] },
    host_keys = file { "Hosts' public keys to certify", max = "8MiB", rehearsal = [[
principals="web1.example.org,web1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJR3HrDG8Z7inDQLLu7DGGM2WZ7UpwcnIitTRS6GxXm4 web1
principals="db1.example.org" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILtxX1N4wNhALzsJgZWbrvSpcQKvQwds+Ba6A2U3zAZ2 db1
]] },
    ledger = file { "The CA's ledger from its previous ceremony", max = "16MiB", optional = true },
    revoked_keys = file { "Public keys to revoke outright", max = "8MiB", optional = true },
  },
}

params = {
  new_ca        = param { "Generate a new CA key (false: use the CA key already on the token, and its ledger)", type = "boolean", default = true },
  ca_label      = param { "Label of the CA key on the token", default = "ssh-ca", pattern = "^[%w%-_]+$" },
  ca_type       = param { "Key type of a new CA key", values = { "ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072", "rsa-4096" }, default = "ecdsa-p256" },
  user_validity = param { "How long user certificates are valid (h, d or w)", default = "52w", pattern = "^%d+[hdw]$" },
  host_validity = param { "How long host certificates are valid (h, d or w)", default = "104w", pattern = "^%d+[hdw]$" },
  revoke_key_id = param { "A key id to revoke (none: nothing new)", default = "none", pattern = "^[%w%-_.@]+$" },
  write_krl     = param { "Write the revocation list", type = "boolean", default = true },
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

act "The CA key" {
  step { by = "CA", witness = "IW", "Split the token's secrets among the crypto officers and initialise the token (a new CA only).",
         run = function()
           if params.new_ca then
             split_secret { set = "ssh-so", label = "SSH CA token SO secret", holders = "CO", m = 2, n = 2 }
             split_secret { set = "ssh-user", label = "SSH CA token user secret", holders = "CO", m = 2, n = 2 }
             hsm.init_token { so = "ssh-so", user = "ssh-user" }
           end
         end },
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "ssh-user" } end },
  step { by = "CA", witness = "IW", "Generate the CA key on the token (a new CA only), write its public key and read its fingerprint aloud.",
         run = function()
           if params.new_ca then
             hsm.generate_key { label = params.ca_label, type = params.ca_type }
           end
           ssh.ca { key = params.ca_label, out = "ssh_ca.pub" }
         end },
}

act "Certificates" {
  step { by = "CA", witness = "IW", "Certify the users' keys; check the key ids and principals against the request list.",
         run = function()
           local ledger = nil
           if not params.new_ca then ledger = input "ledger" end
           ssh.certify { ca = params.ca_label, type = "user", keys = input "user_keys", valid_for = params.user_validity,
                         ledger = ledger, out = "user-certs", ledger_out = "ledger-after-users.json" }
         end },
  step { by = "CA", witness = "IW", "Certify the hosts' keys; check the host names against the request list.",
         run = function()
           ssh.certify { ca = params.ca_label, type = "host", keys = input "host_keys", valid_for = params.host_validity,
                         ledger_from = "ledger-after-users.json", out = "host-certs", ledger_out = "ssh-ledger.json" }
         end },
  step { by = "CA", witness = "IW", "Write the revocation list and its signature.",
         run = function()
           if params.write_krl then
             local ids = {}
             if params.revoke_key_id ~= "none" then ids = { params.revoke_key_id } end
             ssh.krl { ca = params.ca_label, ledger_from = "ssh-ledger.json", key_ids = ids, out = "revoked.krl",
                       ledger_out = "ssh-ledger-final.json" }
           end
         end },
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

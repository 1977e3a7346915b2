-- The offline root CA ceremony. The root key is generated on the token
-- under the crypto officers' shares; the self-signed root, its first CRL
-- and the four intermediates of the "build your own PKI" guide (dev, test,
-- prod and users) are made, each linted with zlint before the token signs
-- it, and the issued-certificates ledger is written.
--
-- Each intermediate's key comes the way its *_from parameter says:
--   csr   a certificate request made where the key will live (Vault's
--         pki_int/intermediate/generate/internal), an input whose hash is
--         read back by the remote party before it is signed;
--   token a key generated on this token (the users CA, which later
--         provisions YubiKeys, stays here);
--   vault a key made in memory here, sealed with its certificate and
--         chain as Vault's pem_bundle to the age recipient vault_recipient,
--         and wiped.
-- Rehearsals without a configuration use stand-in requests (their keys were
-- destroyed) for the default subjects.

ceremony {
  name = "Offline root CA", version = "1",
  roles = {
    CA = role "Ceremony Administrator",
    IW = role "Internal Witness",
    CO = role { "Crypto Officer", min = 2 },
    RP = role { "Remote Party (the intermediates' operator)", remote = true },
  },
  separate = { { "CA", "IW" }, { "CA", "CO" } },
  inputs = {
    dev_csr = file { "Certificate request of the dev intermediate", max = "64KiB", optional = true, rehearsal = [[
-----BEGIN CERTIFICATE REQUEST-----
MIIBMzCBugIBADA7MQswCQYDVQQGEwJVUzETMBEGA1UECgwKRXhhbXBsZSBDbzEX
MBUGA1UEAwwORXhhbXBsZSBEZXYgQ0EwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAASu
cSyUiketSaVeCyENRBDfeiabN+xLWW+3ir7DaFAcDRG1q6Gpr2F2dz7/jRho5PL7
Ue4A0qzcR7Y7xv6Vuw5RAk0u1OxMGjo1JqLvUWz8D58gLmWSfjSiWoYZDLXuYKSg
ADAKBggqhkjOPQQDAgNoADBlAjBMnffUanlYcsZvIFb32Q+BWyk6uQ8YKJUhnj05
JS0r9kBmT8e3TaulLLg6qxyTt14CMQCh6tKyaJA5bxQGPQ14VbglUYcLQYAQdgQs
lNpj16vCqqxEZvdr6GUEkIezxwj6nIY=
-----END CERTIFICATE REQUEST-----
]] },
    test_csr = file { "Certificate request of the test intermediate", max = "64KiB", optional = true, rehearsal = [[
-----BEGIN CERTIFICATE REQUEST-----
MIIBNDCBuwIBADA8MQswCQYDVQQGEwJVUzETMBEGA1UECgwKRXhhbXBsZSBDbzEY
MBYGA1UEAwwPRXhhbXBsZSBUZXN0IENBMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE
ejWZ1W/BmuFSNWoHBnlwCwJBnGB4P6AWB4q+dqGLFoK42jpXyR42TEUTNyjBp+fw
izs3u5WB7+G2Ni/gARGYqjFwf4Xc75RtasrA2xuYICNCY4roV2CkLOZ9bxpDsodO
oAAwCgYIKoZIzj0EAwIDaAAwZQIwB6renS7MSUhIXDWZ+bveh0bxnM521uphzGJF
8x9xyM/Sib5+a0YoJwaJMOmwy+iOAjEA4YnM0TJdHifr56AshLkerEi/o0GfwlHS
A1ejQJfMf61dv3otqK7+DRMFmPQdeXLh
-----END CERTIFICATE REQUEST-----
]] },
    prod_csr = file { "Certificate request of the prod intermediate", max = "64KiB", optional = true, rehearsal = [[
-----BEGIN CERTIFICATE REQUEST-----
MIIBMzCBuwIBADA8MQswCQYDVQQGEwJVUzETMBEGA1UECgwKRXhhbXBsZSBDbzEY
MBYGA1UEAwwPRXhhbXBsZSBQcm9kIENBMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE
F1DmTbdXJfjnWEGGnx5hHzoy7r50iw0zCxUNLFRVjqwT7gV71OtC48EcRngUul75
BO77YYrVWTJApI5CAHGvZ3/t79ZYngt0/zXzeXQyHHXRlMdGEvgUZIraj8hJbwuT
oAAwCgYIKoZIzj0EAwIDZwAwZAIwPBSiQDI1dTcqB4C+yRZ47h4a5atsIcTY14o3
AGLmNL16Jhk7x/G21Q3Z1G27SpvmAjBuTdbUs8/QORIefnDKBeryn1pzFCvM3s0c
1d3DRqc1KcONkcrW1EpDpeOB5rUi34A=
-----END CERTIFICATE REQUEST-----
]] },
    users_csr = file { "Certificate request of the users intermediate", max = "64KiB", optional = true, rehearsal = [[
-----BEGIN CERTIFICATE REQUEST-----
MIIBNTCBvAIBADA9MQswCQYDVQQGEwJVUzETMBEGA1UECgwKRXhhbXBsZSBDbzEZ
MBcGA1UEAwwQRXhhbXBsZSBVc2VycyBDQTB2MBAGByqGSM49AgEGBSuBBAAiA2IA
BFqEYhXCJx2tF7Z97z+0PFDC+FI0cWgnvHDGKcDUTt7cpjV6ZUyOwCrA47IhEHbM
9RLv8yrEZ+SDljD8nRagdad3mTvjU/9i3ji4YtOfofD+ur3SMRtrlWrF5GuxnBcU
iqAAMAoGCCqGSM49BAMCA2gAMGUCMGYRz2QwKeUS1e16lxBHPQ3PSe8dGeD00yTe
C0dng29XR82enh4gQnsn158MLGYyKAIxAOslIDZFk/jWBCvrHj+PatW/8Svcmg0V
jUyKDqjixvLFD75FXoC/Y/kOzAEmhdL+7A==
-----END CERTIFICATE REQUEST-----
]] },
  },
}

params = {
  root_subject    = param { "Root subject", default = "C=US, ST=California, L=San Francisco, O=Example Co, CN=Example Root CA" },
  root_key        = param { "Label of the root key on the token", default = "root-ca", pattern = "^[%w%-_]+$" },
  root_key_type   = param { "Root key type", values = { "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096" }, default = "ecdsa-p384" },
  root_validity   = param { "Root validity (h, d or w)", default = "87600h", pattern = "^%d+[hdw]$" },
  crl_url         = param { "Where the root's CRL is published (written in every certificate it issues)", default = "http://crl.example.org/root.crl" },
  crl_validity    = param { "How long each CRL is valid, at most a year", default = "8760h", pattern = "^%d+[hdw]$" },
  dev_subject     = param { "Subject of the dev intermediate", default = "C=US, O=Example Co, CN=Example Dev CA" },
  test_subject    = param { "Subject of the test intermediate", default = "C=US, O=Example Co, CN=Example Test CA" },
  prod_subject    = param { "Subject of the prod intermediate", default = "C=US, O=Example Co, CN=Example Prod CA" },
  users_subject   = param { "Subject of the users intermediate", default = "C=US, O=Example Co, CN=Example Users CA" },
  dev_from        = param { "Where the dev intermediate's key comes from", values = { "csr", "token", "vault" }, default = "csr" },
  test_from       = param { "Where the test intermediate's key comes from", values = { "csr", "token", "vault" }, default = "csr" },
  prod_from       = param { "Where the prod intermediate's key comes from", values = { "csr", "token", "vault" }, default = "csr" },
  users_from      = param { "Where the users intermediate's key comes from", values = { "csr", "token", "vault" }, default = "token" },
  dev_validity    = param { "Validity of the dev intermediate", default = "35040h", pattern = "^%d+[hdw]$" },
  test_validity   = param { "Validity of the test intermediate", default = "35040h", pattern = "^%d+[hdw]$" },
  prod_validity   = param { "Validity of the prod intermediate", default = "35040h", pattern = "^%d+[hdw]$" },
  users_validity  = param { "Validity of the users intermediate", default = "35040h", pattern = "^%d+[hdw]$" },
  token_key_type  = param { "Type of an intermediate key generated on the token", values = { "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072" }, default = "ecdsa-p384" },
  vault_recipient = param { "The age recipient (age1...) Vault bundles are sealed to", default = "none" },
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

act "The root key" {
  step { by = "CA", witness = "IW", "Split the token's security officer secret among the crypto officers.",
         run = function() split_secret { set = "root-so", label = "root CA token SO secret", holders = "CO", m = 2, n = 2 } end },
  step { by = "CA", witness = "IW", "Split the token's user secret among the crypto officers.",
         run = function() split_secret { set = "root-user", label = "root CA token user secret", holders = "CO", m = 2, n = 2 } end },
  step { by = "CA", witness = "IW", "Initialise the token with both secrets.",
         run = function() hsm.init_token { so = "root-so", user = "root-user" } end },
  step { by = "CO", witness = "IW", "Crypto officers enter their user shares to activate the token.",
         on_failure = { "retry", "abort" },
         run = function() hsm.activate { shares = "root-user" } end },
  step { by = "CA", witness = "IW", "Generate the root key on the token.",
         run = function() hsm.generate_key { label = params.root_key, type = params.root_key_type } end },
}

act "The root certificate and its first CRL" {
  step { by = "CA", witness = "IW", "Make the self-signed root certificate; check it against the paper script.",
         run = function()
           x509.root { key = params.root_key, name = "root", subject = params.root_subject, validity = params.root_validity,
                       path_len = 1, crl_url = params.crl_url }
         end },
  step { by = "CA", witness = "IW", "Make the root's first CRL, empty, number 1.",
         run = function()
           x509.crl { issuer = "root.crt", key = params.root_key, next_update = params.crl_validity, out = "root.crl" }
         end },
}

-- One step for each intermediate: its key the way its parameter says.
local function intermediate(n)
  return step { by = "CA", witness = { "IW", "RP" }, "Issue the " .. n .. " intermediate; check it against the paper script.",
    on_failure = { "retry", "abort" },
    run = function()
      local from = params[n .. "_from"]
      local cert = { issuer = "root.crt", key = params.root_key, name = n, subject = params[n .. "_subject"],
                     validity = params[n .. "_validity"], path_len = 0, crl_url = params.crl_url }
      if from == "csr" then
        verify_out_of_band { input(n .. "_csr"), with = "RP" }
        cert.csr = input(n .. "_csr")
      elseif from == "token" then
        hsm.generate_key { label = n .. "-ca", type = params.token_key_type }
        cert.subject_key = n .. "-ca"
      else
        cert.vault = params.vault_recipient
      end
      x509.intermediate(cert)
    end }
end

act "The intermediates" {
  intermediate "dev", intermediate "test", intermediate "prod", intermediate "users",
}

act "Close the ceremony" {
  step { by = "CA", witness = "IW", "Write the ledger of issued certificates.",
         run = function() x509.ledger { out = "ledger" } end },
  step { by = "CA", witness = "IW", "Everyone signs off.",
         run = function() signoff {} end },
}

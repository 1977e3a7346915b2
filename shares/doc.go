// Package shares splits a secret m-of-n with Shamir's scheme and wraps each
// part in a share that a person can carry on paper and type back without a
// typo going unnoticed. Combining returns the secret only when it matches a
// commitment recorded at the split.
//
// The arithmetic is github.com/hashicorp/vault/shamir, which checks nothing:
// a mistyped part, a part of another split or too few parts interpolate to
// garbage without a word. Everything that catches those mistakes is here.
//
// # Secrets
//
// [Split] generates a 32-byte secret with crypto/rand. [SplitSecret] splits a
// caller's secret of 16 to 128 bytes. The set id (6 bytes) is drawn from
// crypto/rand at every split. Vault's Split draws the polynomial coefficients
// from crypto/rand and the x coordinates at random, so two splits of one
// secret never give the same shares.
//
// # Share format, version 1
//
// A share is a byte string; L is the secret's length in bytes.
//
//	offset    size  field
//	0         1     format version, 1
//	1         6     set id, the same in every share of one split
//	7         1     m, the threshold (2..n)
//	8         1     n, the number of shares (m..255)
//	9         1     index of this share (1..n)
//	10        1     L (16..128)
//	11        L     the Shamir part: the polynomials' values at x
//	11+L      1     x, the part's x coordinate (1..255, never 0)
//	12+L      5     check bytes
//
// so a share has L+17 bytes: 49 for the default 32-byte secret.
//
// Text form: one word of the PGP word list per byte (package pgpwords),
// two-syllable words at even offsets and three-syllable words at odd ones,
// numbered from 1 in rows of four on the sheet. Case does not matter when
// typing. Compact form, for files: the prefix "ceremony-share1:" and the bytes
// in lowercase hex, on one line.
//
// The check bytes are the parity of a systematic Reed–Solomon code over
// GF(2^8) (field polynomial 0x11d, generator roots α^0..α^4 with α = 2)
// over bytes 0 to 11+L. That code has minimum distance 6: two different valid
// shares of the same length differ in at least six bytes.
//
// # What decoding catches, and why
//
// A share is accepted only if every word is in the list, every word is in the
// column its position takes, the count of words agrees with L, and the check
// bytes match.
//
//   - One wrong word that is still a word of the right column changes exactly
//     one byte. With minimum distance 6 no such change yields a valid share:
//     rejection is certain, whatever the word and wherever it is, check words
//     included. The same holds for up to five wrong words.
//   - Two neighbours swapped put a two-syllable word in a three-syllable place
//     and the other way round (the lists share no word): the column check
//     rejects it at once, and the check bytes would too (two changed bytes).
//     A dropped or doubled word shifts every later word into the wrong column.
//   - Anything else that gets past the columns and the length must hit one of
//     the valid check values by chance. Reed–Solomon codes are MDS codes, whose
//     weight distribution is known exactly: of all ways to change w bytes of a
//     49-byte share, for any w from 6 to 49, at most a fraction 2^-39.97
//     yields another valid share (about 255^-5), below the 2^-32 the format
//     promises. Shares are also
//     checked against the set id, m, n and the published fingerprint when
//     entered (see below), and the combined secret against the commitment.
//
// Decoding errors say what is wrong and where, and never contain share
// material: unknown words ([pgpwords.UnknownWordError], whose Nearest field
// carries suggestions for the person typing, not for logs), words in the wrong
// column ([pgpwords.ColumnError], with a guess at a swap or a shift),
// [LengthError], [ChecksumError], [FormatError], [ErrEmpty]. [Word]
// gives the same per-word verdict while a word is typed, and [Complete]
// offers the words that fit a prefix at a position.
//
// # Record and commitment
//
// A split also yields a [Record]: set id, label, m, n, L, the commitment and
// each share's fingerprint. It holds nothing from which the secret or a share
// follows and belongs in the transcript of the ceremony that split.
//
//	commitment  = HMAC-SHA-256(key = "ceremony-shares-v1 commitment" || 0x00 || set id, message = secret)
//	fingerprint = first 8 bytes of SHA-256("ceremony-shares-v1 fingerprint" || 0x00 || share bytes)
//
// The commitment is HKDF-Extract (RFC 5869) with the set id as salt. With at
// least 128 bits of secret it cannot be inverted, and the salt makes two
// splits of one secret unlinkable. A share's bytes include at least 16 random
// bytes, so its fingerprint says nothing about it either.
//
// # Entering and combining
//
// [Record.Check] is the holder's self-check: one share against the record,
// without anyone else's. A [Collector] runs the same checks on every share
// entered and refuses, each with its own error, a share from another set
// ([ForeignSetError]), one whose m or n disagrees ([ThresholdError]), one
// whose index was already entered ([DuplicateError], naming who entered it)
// and one that is not the share published under its index
// ([FingerprintError]). [Collector.Combine] refuses too few shares
// ([TooFewError]) and returns the secret only when it matches the commitment.
// When it does not and more than m shares were entered, it combines subsets
// of m to find the shares that disagree with the others and names them
// ([InconsistentError]); otherwise it says that at least one share is wrong
// ([CommitmentError]). No PIN is ever tried with an unverified secret.
//
// # Envelopes
//
// A share may instead be handed over sealed to a key on its holder's device
// (a YubiKey's key-management slot, 9d, whose attestation was checked when
// the holder enrolled it): nothing to copy and nothing on a screen. The
// text form, each line ending in a newline:
//
//	ceremony-envelope1
//	set SETID                          12 lowercase hex digits
//	label LABEL                        the set's label, printable, one line
//	share I of N, threshold M
//	holder ID                          the holder's roster id, one word
//	fingerprint FP                     the sealed share's, as the record lists it
//	card SERIAL                        the device that holds the key, one word
//	recipient BASE64                   the P-256 key, uncompressed point
//	ephemeral BASE64                   a P-256 key made for this envelope alone
//	                                   (a blank line)
//	BASE64                             the sealed share
//
// The header is everything up to and including the blank line. With the
// ECDH secret z of the ephemeral and the recipient key (the x coordinate, 32
// bytes), and E and R the ephemeral and recipient points as written,
//
//	k || nonce = HKDF-SHA-256(secret = z, salt = E || R, info = "ceremony-shares-v1 envelope"), 32 + 12 bytes
//	sealed     = AES-256-GCM(k, nonce, plaintext = the share's bytes, additional data = the header)
//
// Every envelope has its own ephemeral key, so a key seals one message. The
// header is authenticated, so no field of it can be changed; once opened,
// the share must be the one the header names. [ParseEnvelope] reads only
// the canonical form. Anyone with the recipient's public key can seal
// something to it, so an envelope proves nothing by itself: its share is
// checked against the record of the split like a typed one
// ([Record.CheckEnvelope] for the header alone, [Record.Check] and the
// [Collector] for the share).
//
// # Buffers
//
// Share payloads and every intermediate buffer holding a part or a candidate
// secret are wiped when done ([Share.Zero], [Collector.Zero]); the secret Split
// and Combine return is the caller's to wipe, with Go's clear. Typed letters
// stay in byte slices the typist's UI wipes: [Word] and [Complete] read them
// without copying them into strings, and a share's words travel as the
// list's own strings, constants of the program, in a slice that is cleared
// after use; no string holds what a holder typed. A share's one-line form
// (ParseLine) is a string and cannot be wiped: it is for share files, not
// for typing. A Share prints as its set id and index only.
package shares

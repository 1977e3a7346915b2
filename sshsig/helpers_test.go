package sshsig_test

import (
	"encoding/base64"
	"encoding/pem"
)

func pemEncode(b *pem.Block) []byte { return pem.EncodeToMemory(b) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// Package strictjson reads the JSON files a ceremony continues from (a
// CA's ledger of the last ceremony) as a careful reader must: bounded in
// size, every field known, one value and nothing after it.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Decode reads b, at most max bytes, into v.
func Decode(b []byte, max int, v any) error {
	if len(b) > max {
		return fmt.Errorf("larger than %d bytes", max)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the value")
	}
	return nil
}

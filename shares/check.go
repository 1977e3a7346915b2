package shares

// The check bytes are the parity of a Reed–Solomon code over GF(2^8) with
// the primitive polynomial x^8+x^4+x^3+x^2+1 (0x11d) and generator
// g(x) = (x-α^0)(x-α^1)...(x-α^4), α = 2. A Reed–Solomon code with r parity
// symbols has minimum distance r+1 for any length up to 255 symbols, so a
// share that differs from a valid one in at most r words cannot itself be
// valid. The word list maps one byte to one word, so a symbol is a word.

const checkLen = 5

var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// generator holds g's coefficients, highest degree first, without the
// leading 1.
var generator = func() [checkLen]byte {
	g := []byte{1}
	for i := range checkLen {
		// multiply g by (x + α^i); subtraction is addition in GF(2^8)
		next := make([]byte, len(g)+1)
		for j, c := range g {
			next[j] ^= c
			next[j+1] ^= gfMul(c, gfExp[i])
		}
		g = next
	}
	var out [checkLen]byte
	copy(out[:], g[1:])
	return out
}()

// parity returns the check bytes for data: the remainder of
// data(x)·x^checkLen divided by g(x).
func parity(data []byte) [checkLen]byte {
	var r [checkLen]byte
	for _, d := range data {
		f := d ^ r[0]
		copy(r[:], r[1:])
		r[checkLen-1] = 0
		for j, g := range generator {
			r[j] ^= gfMul(g, f)
		}
	}
	return r
}

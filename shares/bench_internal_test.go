package shares

import (
	"testing"
	"time"
)

// BenchmarkSubsetSearch measures what naming a bad share costs: a 3-of-5
// combine with five shares, one of them bad, against a plain combine of three
// good shares, timed in the same run. It reports the ratio as x-plain.
func BenchmarkSubsetSearch(b *testing.B) {
	_, rec, set, err := Split("pin", 3, 5)
	if err != nil {
		b.Fatal(err)
	}
	plain := NewCollector(rec)
	for _, s := range set[:3] {
		if err := plain.Add(s, ""); err != nil {
			b.Fatal(err)
		}
	}
	searchRec := *rec
	searchRec.Fingerprints = append([]string(nil), rec.Fingerprints...)
	search := NewCollector(&searchRec)
	for _, s := range []*Share{set[0], corrupt(&searchRec, set[1]), set[2], set[3], set[4]} {
		if err := search.Add(s, ""); err != nil {
			b.Fatal(err)
		}
	}
	var plainTime, searchTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		secret, err := plain.Combine()
		t1 := time.Now()
		if err != nil {
			b.Fatal(err)
		}
		clear(secret)
		if _, err := search.Combine(); err == nil {
			b.Fatal("combined with a bad share")
		}
		plainTime += t1.Sub(t0)
		searchTime += time.Since(t1)
	}
	b.ReportMetric(float64(searchTime)/float64(plainTime), "x-plain")
}

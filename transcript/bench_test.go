package transcript

import (
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

func benchHeader() Header {
	return Header{ID: "bench", Name: "Benchmark", Version: "1", Script: []byte("-- script\n"), Config: []byte("")}
}

// benchData is a typical event: a recorded answer.
func benchData(i int) any {
	return map[string]any{"prompt": "Record the tamper-evident bag number of the HSM.", "value": "AB12345678", "n": i}
}

// BenchmarkAppend compares Append, which fdatasyncs each line, with the
// floor for durable appends: write(2) of the same bytes followed by
// fdatasync(2), in the same directory. append/raw-rate is the rate of Append as a fraction
// of the raw rate (target >= 0.9).
func BenchmarkAppend(b *testing.B) {
	dir := b.TempDir()
	w, err := Create(filepath.Join(dir, "bundle"), benchHeader())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	raw, err := os.OpenFile(filepath.Join(dir, "raw.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var tAppend, tRaw time.Duration
	b.ResetTimer()
	doAppend := func(i int) {
		data := benchData(i)
		start := time.Now()
		if _, err := w.Append("prompt.answer", "3.2", "CO1", data); err != nil {
			b.Fatal(err)
		}
		tAppend += time.Since(start)
	}
	doRaw := func() {
		start := time.Now()
		if _, err := raw.Write(w.buf); err != nil { // the line Append wrote last
			b.Fatal(err)
		}
		if err := datasync(raw); err != nil {
			b.Fatal(err)
		}
		tRaw += time.Since(start)
	}
	for i := range b.N {
		// One of each in turn, alternating which goes first, so that
		// both see the same disk.
		if i%2 == 0 {
			doAppend(i)
			doRaw()
		} else {
			doRaw()
			doAppend(i)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(tAppend.Nanoseconds())/float64(b.N), "append-ns/op")
	b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(tRaw)/float64(tAppend), "append/raw-rate")
}

// TestMain removes the million-event bundle, which outlives any one
// benchmark run so that it is written once per process.
func TestMain(m *testing.M) {
	code := m.Run()
	if bigBundle != "" {
		os.RemoveAll(filepath.Dir(bigBundle))
	}
	os.Exit(code)
}

var (
	bigOnce   sync.Once
	bigBundle string
	bigErr    error
)

// millionEvents writes, once per process, a bundle of 1,000,000 events
// with the real Writer (durability off: only its reading is measured),
// with a checkpoint every 10,000 events as acts would leave them.
func millionEvents(b *testing.B) string {
	bigOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "transcript-bench-")
		if err != nil {
			bigErr = err
			return
		}
		bigBundle = filepath.Join(tmp, "bundle")
		b.Logf("writing 1,000,000 events to %s", bigBundle)
		w, err := Create(bigBundle, benchHeader())
		if err != nil {
			bigErr = err
			return
		}
		defer w.Close()
		w.sync = func(*os.File) error { return nil }
		for i := 1; i < 1_000_000-2; i++ {
			if i%10_000 == 0 {
				_, err = w.Checkpoint()
			} else {
				_, err = w.Append("prompt.answer", "3.2", "CO1", benchData(i))
			}
			if err != nil {
				bigErr = err
				return
			}
		}
		if _, err := w.Append(TypeEnd, "", "CA", nil); err != nil {
			bigErr = err
			return
		}
		_, bigErr = w.Checkpoint()
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigBundle
}

// BenchmarkVerifyMillion verifies a 1,000,000-event bundle and, in the
// same run, hashes the same file with SHA-256 alone. verify/sha256 is the
// ratio of their times (target <= 3); peak-heap-MiB is the largest heap
// seen while verifying (target < 64).
func BenchmarkVerifyMillion(b *testing.B) {
	dir := millionEvents(b)
	path := filepath.Join(dir, TranscriptFile)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	var tVerify, tSHA time.Duration
	peak := newHeapPeak()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			b.Fatal(err)
		}
		f.Close()
		tSHA += time.Since(start)

		peak.start()
		start = time.Now()
		rep, err := Verify(dir, VerifyOptions{})
		tVerify += time.Since(start)
		peak.stop()
		if err != nil || rep.Events != 1_000_000 {
			b.Fatalf("%v after %d events", err, rep.Events)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(tVerify)/float64(tSHA), "verify/sha256")
	b.ReportMetric(float64(tSHA.Milliseconds())/float64(b.N), "sha256-ms/op")
	b.ReportMetric(float64(peak.max)/(1<<20), "peak-heap-MiB")
}

// heapPeak samples the live heap while a measurement runs.
type heapPeak struct {
	max  uint64
	quit chan struct{}
	done chan struct{}
}

func newHeapPeak() *heapPeak { return &heapPeak{} }

func (p *heapPeak) start() {
	p.quit, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			p.max = max(p.max, s[0].Value.Uint64())
			select {
			case <-p.quit:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
}

func (p *heapPeak) stop() {
	close(p.quit)
	<-p.done
}

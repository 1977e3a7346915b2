package transcript_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ceremony-dev/ceremony/transcript"
)

// A small ceremony, written with a fixed clock and a fixed session key
// seed, so that its transcript and checkpoint are reproducible byte for
// byte.
func Example() {
	tmp, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "bundle")

	tick := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { tick = tick.Add(1500 * time.Millisecond); return tick }
	seed := bytes.NewReader([]byte("example session key seed, 32 byt"))

	w, err := transcript.Create(dir, transcript.Header{
		ID: "ksk-2026", Name: "Example", Version: "1",
		Script: []byte("-- script\n"), Config: []byte(""),
	}, transcript.WithClock(clock), transcript.WithRand(seed))
	if err != nil {
		panic(err)
	}
	w.Append("step.begin", "1.1", "CA", map[string]string{"text": "Record the HSM bag number."})
	w.Append("prompt.answer", "1.1", "CA", map[string]string{"value": "AB12345678"})
	w.AddArtifact("notes.txt", []byte("hello\n"), "1.2", "CA")
	w.Append(transcript.TypeEnd, "", "CA", nil)
	w.Checkpoint()
	w.Close()

	for _, name := range []string{transcript.TranscriptFile, transcript.CheckpointFile} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		fmt.Printf("%s:\n%s", name, b)
	}
	rep, err := transcript.Verify(dir, transcript.VerifyOptions{})
	fmt.Println(rep.Verdict, rep.Events, err)
	// Output:
	// transcript.jsonl:
	// {"seq":0,"time":"2026-04-01T09:00:01.500000000Z","prev":"0000000000000000000000000000000000000000000000000000000000000000","type":"ceremony.begin","step":"","actor":"","data":{"config_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","format":"ceremony-transcript/v1","id":"ksk-2026","name":"Example","script_sha256":"ade47428eff130888fe14012936065d3c8d362176a7b58930eb8a69cddb5842e","session_key":"ceremony/ksk-2026+ea37886a+AdOw52q392I0uqlY/Gc/s41JrrglEtRQU8KnwjgTQFZ2","version":"1"}}
	// {"seq":1,"time":"2026-04-01T09:00:03.000000000Z","prev":"6daec24db6997c8aaa5fa61771ac09414db444679b5d1eb1ceb88b95d97a0240","type":"step.begin","step":"1.1","actor":"CA","data":{"text":"Record the HSM bag number."}}
	// {"seq":2,"time":"2026-04-01T09:00:04.500000000Z","prev":"6844e435ed634cff4992fe58d215c3c95e35066e17e806d954f934b625f91771","type":"prompt.answer","step":"1.1","actor":"CA","data":{"value":"AB12345678"}}
	// {"seq":3,"time":"2026-04-01T09:00:06.000000000Z","prev":"a4aaf63b3529950ef23812514ef791fd8b600030a793fb0b1e40bce64118c6f3","type":"artifact","step":"1.2","actor":"CA","data":{"name":"notes.txt","sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6}}
	// {"seq":4,"time":"2026-04-01T09:00:07.500000000Z","prev":"c0fd8a1b6fb86d367f7e5af9abe265932e9794f853511c577bc8a2db9d5561b7","type":"ceremony.end","step":"","actor":"CA","data":{}}
	// {"seq":5,"time":"2026-04-01T09:00:09.000000000Z","prev":"467a99f2d5216837a88d0647461d48ef4eee1a138575ac4bd2fc677b6073b670","type":"checkpoint","step":"","actor":"","data":{"count":5,"head":"467a99f2d5216837a88d0647461d48ef4eee1a138575ac4bd2fc677b6073b670","note":"ceremony/ksk-2026\n5\n467a99f2d5216837a88d0647461d48ef4eee1a138575ac4bd2fc677b6073b670\n\n— ceremony/ksk-2026 6jeIarSOqADgQiJAoKlIhiVNGOVmEJtfIXyUcOLeDSxgPdp4SmTKPlYRKY3gYbw7l8nxz+zdiK1OZb7Jp0iotjOXuw4=\n"}}
	// checkpoint:
	// ceremony/ksk-2026
	// 6
	// 2fce416d002ac7c7fa88d1210777334199059c68b6d6875b9f3f0bb1880a2cce
	//
	// — ceremony/ksk-2026 6jeIarf4iwDaQ1pXFhvb2T4gXCLFNyvqihrcDJ/PVL91hi9dQep31HqjjIufrXRgy6NAHzIC2bXY/0ss5zYsiSFb7wY=
	// complete 6 <nil>
}

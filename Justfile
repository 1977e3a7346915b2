# A full rehearsal ceremony on the embedded software token.
demo:
    go run ./cmd/ceremony demo

# All tests; PKCS#11 tests use SoftHSM2 when installed.
test:
    go test ./...

# What CI runs.
ci:
    bash .ci/run

# Speed and memory figures, each against a baseline measured in the same run.
bench:
    go test -run '^$' -bench . -benchmem ./...

# Each fuzz target for a while; found inputs land in testdata/fuzz.
fuzz seconds="30":
    #!/usr/bin/env bash
    set -euo pipefail
    for pkg in $(go list ./...); do
      for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
        go test -run '^$' -fuzz "^${target}\$" -fuzztime {{seconds}}s "$pkg"
      done
    done

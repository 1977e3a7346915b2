package main

import (
	"fmt"
	"strings"

	"github.com/ceremony-dev/ceremony/dnssec"
	"github.com/ceremony-dev/ceremony/durable"
)

func init() {
	register(&command{
		name:    "skr",
		summary: "check a DNSSEC Signed Key Response offline: every bundle's signatures",
		run:     runSKR,
	})
}

const skrUsage = `Usage: ceremony skr check SKR

Reads a Signed Key Response (IANA's XML, as the root zone's KSK operator
returns it) strictly, and checks every bundle: each key's tag is the one its
data gives, the keys share one TTL, and at least one signature, each by a
key-signing key of the bundle, for the zone and the bundle's times and within
the KSK policy's signature validity, verifies over the bundle's DNSKEY RRset.
It prints each bundle's times, ZSK tags and KSK tags (S: signs the bundle,
R: published revoked), then each problem by the name of its check.

For the ZSK operator receiving an SKR, and for auditors. Exit status: 0 all
checks pass, 1 a check fails, 2 usage or an unreadable file.

EXAMPLE
  ceremony skr check skr-root-2017-q2-0.xml
`

func runSKR(args []string, s stdio) int {
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(s.out, skrUsage)
			return exitOK
		}
		fmt.Fprint(s.err, skrUsage)
		return exitUsage
	}
	flags := newFlags(s, "skr check SKR", strings.SplitN(skrUsage, "\n\n", 3)[1], "ceremony skr check skr-root-2017-q2-0.xml")
	pos, code := parseArgs(flags, args[1:])
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		errorf(s.err, "skr check takes one SKR file")
		return exitUsage
	}
	b, err := durable.ReadFile(pos[0], dnssec.MaxFile)
	if err != nil {
		errorf(s.err, "%v", err)
		return exitUsage
	}
	f, err := dnssec.Parse(b)
	if err != nil {
		errorf(s.err, "%s: %v", pos[0], err)
		return exitFailed
	}
	probs, views := dnssec.CheckResponse(f)
	fmt.Fprintf(s.out, "skr          %s  id %s  domain %s  serial %d\n", pos[0], f.ID, f.Domain, f.Serial)
	fmt.Fprintf(s.out, "%-3s %-17s %-17s %-16s %s\n", "", "inception", "expiration", "ZSK tags", "KSK tags")
	for i, v := range views {
		var ksks []string
		for _, t := range v.KSKs {
			mark := ""
			for _, sg := range v.Signers {
				if sg == t {
					mark = " S"
				}
			}
			ksks = append(ksks, fmt.Sprintf("%d%s", t, mark))
		}
		for _, t := range v.Revoked {
			ksks = append(ksks, fmt.Sprintf("%d R", t))
		}
		zsks := strings.Trim(fmt.Sprint(v.ZSKs), "[]")
		fmt.Fprintf(s.out, "%-3d %-17s %-17s %-16s %s\n", i+1, v.Inception, v.Expiration, zsks, strings.Join(ksks, ", "))
	}
	for _, p := range probs {
		fmt.Fprintf(s.out, "problem      %s\n", p)
	}
	if len(probs) > 0 {
		errorf(s.err, "%d problems in %s", len(probs), pos[0])
		return exitFailed
	}
	fmt.Fprintf(s.out, "verdict      every bundle's signatures verify\n")
	return exitOK
}

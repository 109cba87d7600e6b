// Command gen builds Palisade's alias catalogue (aliases/data/catalog.json) from
// a folder of per-namespace alias and capability dumps and the hand-written
// aliases/data/extra.json:
//
//	go run ./aliases/internal/gen -in DIR -out aliases/data/catalog.json
//
// DIR holds <Namespace>.aliases.json and <Namespace>.types.json files in the
// layout `az provider show --expand resourceTypes/aliases` produces (one
// object per namespace with a resourceTypes list). Only aliases whose path
// differs from the default rule (see package aliases), that have
// api-version-specific paths differing from their default path, or that are
// modifiable are written; every listed resource type's capabilities are.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "", "folder with <Namespace>.aliases.json and <Namespace>.types.json dumps")
	extra := flag.String("extra", "aliases/data/extra.json", "hand-written entries with a source each (\"\" for none)")
	out := flag.String("out", "aliases/data/catalog.json", "catalogue file to write")
	flag.Parse()
	if *in == "" {
		fmt.Fprintln(os.Stderr, "gen: -in is required")
		flag.Usage()
		os.Exit(2)
	}
	f, stats, err := generate(*in, *extra)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	var buf bytes.Buffer
	if err := f.Encode(&buf); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gen: %d aliases read, %d follow the default rule, %d written from dumps (%d modifiable only), %d from %s, %d resource types\n",
		stats.read, stats.defaultRule, stats.fromDumps, stats.modifiableOnly, stats.fromExtra, *extra, stats.types)
}

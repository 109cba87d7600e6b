// Command palisade is Palisade's server and command line client.
package main

import (
	"os"

	"github.com/palisade/palisade/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

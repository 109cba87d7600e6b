//go:build !linux

package cli

import "os"

// withoutEcho runs fn; turning the echo off is implemented for Linux only,
// elsewhere typed secrets are visible (prefer --password or --otp there).
func withoutEcho(_ *os.File, fn func() (string, error)) (string, error) { return fn() }

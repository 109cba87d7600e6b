//go:build linux

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// withoutEcho runs fn with the terminal's echo turned off, so that a typed
// password or code does not appear on screen; when f is not a terminal it
// just runs fn.
func withoutEcho(f *os.File, fn func() (string, error)) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fn()
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return fn()
	}
	defer func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }()
	return fn()
}

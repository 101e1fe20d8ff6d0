//go:build unix

package checkpoint

import (
	"errors"
	"syscall"
)

// processRunning reports whether a process with this PID exists (signal 0
// checks without sending; EPERM means it exists but is another user's).
func processRunning(pid int) bool {
	if pid <= 0 {
		return true // not a PID we could have written: leave the file
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

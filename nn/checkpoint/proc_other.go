//go:build !unix

package checkpoint

import "os"

// processRunning reports whether a process with this PID exists. On
// Windows os.FindProcess opens the process and fails if there is none;
// elsewhere it cannot tell, and every file is taken for a live writer's.
func processRunning(pid int) bool {
	if pid <= 0 {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

package checkpoint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Test hooks: wrapWriter wraps the temporary file's writer (to inject a
// failure midway), rename replaces os.Rename.
var (
	wrapWriter func(io.Writer) io.Writer
	rename     = os.Rename
)

// WriteFileAtomic writes a file at path through write, atomically: write
// fills a new temporary file in the same directory, which is flushed,
// fsynced, closed, given mode 0644 and renamed over path; then the directory
// is fsynced so the rename survives a crash. If write (or any step) fails or
// panics, the temporary file is removed and whatever was at path before is
// left intact; a reader sees either the old file or the complete new one.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tmp, done := f.Name(), false
	defer func() {
		if !done { // an error or a panic: drop the temporary file
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	var w io.Writer = bw
	if wrapWriter != nil {
		w = wrapWriter(w)
	}
	if err := write(w); err != nil {
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("checkpoint: syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint: closing %s: %w", tmp, err)
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	done = true
	return syncDir(dir)
}

// syncDir fsyncs a directory so a rename in it is durable. File systems that
// cannot sync a directory (EINVAL, ENOTSUP) are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("checkpoint: syncing directory %s: %w", dir, err)
	}
	return nil
}

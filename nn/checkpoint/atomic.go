package checkpoint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Test hooks: wrapWriter wraps the temporary file's writer (to inject a
// failure midway), rename replaces os.Rename.
var (
	wrapWriter func(io.Writer) io.Writer
	rename     = os.Rename
)

// maxLinks bounds the symbolic links WriteFileAtomic follows, as Linux's
// path resolution does (40).
const maxLinks = 40

// WriteFileAtomic writes a file at path through write, atomically: write
// fills a new temporary file ".NAME.tmp-pPID-RANDOM" in the same directory,
// which is flushed, fsynced, closed and renamed over path; then the
// directory is fsynced so the rename survives a crash. If write (or any
// step) fails or panics, the temporary file is removed and whatever was at
// path before is left intact; a reader sees either the old file or the
// complete new one.
//
// A process killed midway leaves its temporary file; the next
// WriteFileAtomic of the same path removes every temporary of that path
// whose process (by the PID in its name) is no longer running, and those
// of the older unnamed-PID form ".NAME.tmp-DIGITS" more than an hour old.
//
// If path is a symbolic link, the file it points to is replaced (as most
// editors do) and the link kept; a dangling link is followed to create its
// target. If path exists, the new file gets its permission bits; a file
// whose mode grants no write permission (0444), or that this process may
// not open for writing, is not replaced: the error wraps fs.ErrPermission.
// A new file gets mode 0644.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	if write == nil {
		return argErr("checkpoint.WriteFileAtomic %s: nil write function", path)
	}
	target, err := resolveLinks(path)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("checkpoint: %s is not a regular file (%v); not replacing it", target, st.Mode().Type())
		}
		mode = st.Mode().Perm()
		if mode&0o222 == 0 {
			return fmt.Errorf("checkpoint: %s is read-only (mode %v); not replacing it: %w", target, mode, fs.ErrPermission)
		}
		f, err := os.OpenFile(target, os.O_WRONLY, 0) // no O_TRUNC: just asks
		if err != nil {
			return fmt.Errorf("checkpoint: not replacing %s: %w", target, err)
		}
		f.Close()
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	removeStaleTemps(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+"p"+strconv.Itoa(os.Getpid())+"-*")
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
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("checkpoint: syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint: closing %s: %w", tmp, err)
	}
	if err := rename(tmp, target); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	done = true
	return syncDir(dir)
}

// tempPrefix starts the name of every temporary file for base.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// resolveLinks follows symbolic links at path (the last element only: the
// operating system follows those in the directories) to the file a write
// should replace, which need not exist.
func resolveLinks(path string) (string, error) {
	for range maxLinks {
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
}

// legacyTempAge is how old a temporary file without a PID in its name must
// be before it is taken for litter.
const legacyTempAge = time.Hour

// removeStaleTemps removes the temporary files of base in dir that no
// running writer owns: ".BASE.tmp-pPID-RANDOM" whose PID is not a running
// process, and ".BASE.tmp-DIGITS" (written before PIDs were recorded)
// older than legacyTempAge. Errors are ignored: cleaning is best effort.
func removeStaleTemps(dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		stale := false
		if pidRand, ok := strings.CutPrefix(rest, "p"); ok {
			pidStr, random, ok := strings.Cut(pidRand, "-")
			pid, err := strconv.Atoi(pidStr)
			stale = ok && err == nil && isDigits(random) && pid != os.Getpid() && !processRunning(pid)
		} else if isDigits(rest) {
			info, err := e.Info()
			stale = err == nil && time.Since(info.ModTime()) > legacyTempAge
		}
		if stale {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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

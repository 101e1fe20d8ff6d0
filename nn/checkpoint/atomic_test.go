package checkpoint

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// deadPID is a process ID no process has: above Linux's largest pid_max
// (2²²) and the other systems' limits.
const deadPID = 1<<31 - 2

// TestSaveCleansStaleTemps puts temporary files of crashed saves beside a
// checkpoint and checks that the next Save removes those of the same
// target whose writer is gone, and nothing else.
func TestSaveCleansStaleTemps(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("needs signal-0 process checks")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	old := time.Now().Add(-2 * legacyTempAge)
	files := []struct {
		name  string
		old   bool // backdate past legacyTempAge
		stays bool
	}{
		{".model.safetensors.tmp-p" + strconv.Itoa(deadPID) + "-123", false, false},   // its writer is gone
		{".model.safetensors.tmp-12345", true, false},                                 // the old form, old
		{".model.safetensors.tmp-67890", false, true},                                 // the old form, recent: maybe a live writer
		{".model.safetensors.tmp-p" + strconv.Itoa(os.Getppid()) + "-1", false, true}, // a live writer (our parent)
		{".other.safetensors.tmp-p" + strconv.Itoa(deadPID) + "-1", false, true},      // another target's
		{".model.safetensors.tmp-p" + strconv.Itoa(deadPID) + "-x", false, true},      // not our name pattern
		{"notes.txt", true, true},
	}
	for _, f := range files {
		fp := filepath.Join(dir, f.name)
		if err := os.WriteFile(fp, []byte("litter"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f.old {
			os.Chtimes(fp, old, old)
		}
	}
	if err := Save(p, torchMLP(1)); err != nil {
		t.Fatal(err)
	}
	want := []string{"model.safetensors"}
	for _, f := range files {
		if f.stays {
			want = append(want, f.name)
		}
	}
	if diff := diffDir(t, dir, want); diff != "" {
		t.Errorf("directory after Save (-want +got):\n%s", diff)
	}
}

func diffDir(t *testing.T, dir string, want []string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	return cmp.Diff(want, got)
}

// TestSaveKilledMidway runs a Save in a child process, kills it (SIGKILL)
// while it writes, and checks that its temporary file is there and that the
// next Save removes it, as the kill -9 runs found they were not.
func TestSaveKilledMidway(t *testing.T) {
	if dir := os.Getenv("CHECKPOINT_KILL_DIR"); dir != "" { // the child
		wrapWriter = func(w io.Writer) io.Writer { return blockingWriter{} }
		Save(filepath.Join(dir, "model.safetensors"), torchMLP(1))
		return
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("needs signal-0 process checks")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSaveKilledMidway$")
	cmd.Env = append(os.Environ(), "CHECKPOINT_KILL_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "writing\n" {
		cmd.Process.Kill()
		t.Fatalf("child said %q, %v", line, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("the killed Save left %d files, want its temporary file", len(ents))
	}
	if err := Save(filepath.Join(dir, "model.safetensors"), torchMLP(1)); err != nil {
		t.Fatal(err)
	}
	if diff := diffDir(t, dir, []string{"model.safetensors"}); diff != "" {
		t.Errorf("directory after the next Save:\n%s", diff)
	}
}

// blockingWriter announces the write on stdout and blocks until killed.
type blockingWriter struct{}

func (blockingWriter) Write(p []byte) (int, error) {
	os.Stdout.WriteString("writing\n")
	select {}
}

// TestSaveOverExisting checks the documented behaviour when the target
// exists: its mode is kept, a read-only file is refused, and a symbolic
// link is written through to its target and kept.
func TestSaveOverExisting(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes and links differ")
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (save string, target string)
		err   error       // wanted error, nil for success
		mode  fs.FileMode // the target's mode afterwards
	}{
		{"mode 0600 kept", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "m")
			writeFile(t, p, 0o600)
			return p, p
		}, nil, 0o600},
		{"mode 0664 kept", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "m")
			writeFile(t, p, 0o664)
			return p, p
		}, nil, 0o664},
		{"read-only refused", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "m")
			writeFile(t, p, 0o444)
			return p, p
		}, fs.ErrPermission, 0o444},
		{"symlink written through", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "sub", "real")
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
			writeFile(t, target, 0o640)
			link := filepath.Join(dir, "link")
			if err := os.Symlink("sub/real", link); err != nil {
				t.Skip(err)
			}
			return link, target
		}, nil, 0o640},
		{"chain of links", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "real")
			writeFile(t, target, 0o644)
			os.Symlink(target, filepath.Join(dir, "l1"))
			os.Symlink("l1", filepath.Join(dir, "l2"))
			return filepath.Join(dir, "l2"), target
		}, nil, 0o644},
		{"dangling link creates its target", func(t *testing.T, dir string) (string, string) {
			link := filepath.Join(dir, "link")
			os.Symlink("new", link)
			return link, filepath.Join(dir, "new")
		}, nil, 0o644},
		{"link loop", func(t *testing.T, dir string) (string, string) {
			os.Symlink("b", filepath.Join(dir, "a"))
			os.Symlink("a", filepath.Join(dir, "b"))
			return filepath.Join(dir, "a"), ""
		}, errLinks, 0},
		{"directory", func(t *testing.T, dir string) (string, string) {
			os.Mkdir(filepath.Join(dir, "d"), 0o755)
			return filepath.Join(dir, "d"), ""
		}, errNotRegular, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			save, target := tc.setup(t, dir)
			var before []byte
			if target != "" {
				before, _ = os.ReadFile(target)
			}
			err := Save(save, torchMLP(1))
			switch {
			case tc.err == errLinks || tc.err == errNotRegular:
				if err == nil {
					t.Fatalf("Save = nil, want an error")
				}
				return
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("Save = %v, want %v", err, tc.err)
				}
				if now, _ := os.ReadFile(target); string(now) != string(before) {
					t.Errorf("a refused Save changed the file")
				}
			case err != nil:
				t.Fatalf("Save: %v", err)
			default:
				if err := Load(save, torchMLP(2)); err != nil {
					t.Errorf("Load after Save: %v", err)
				}
				if err := Load(target, torchMLP(2)); err != nil {
					t.Errorf("Load of the target: %v", err)
				}
			}
			if st, err := os.Lstat(save); err == nil && save != target && st.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("the link %s was replaced by a file", save)
			}
			if st, err := os.Stat(target); err != nil || st.Mode().Perm() != tc.mode {
				t.Errorf("target mode %v (%v), want %v", st.Mode().Perm(), err, tc.mode)
			}
		})
	}
}

// Markers for rows that only need some error.
var (
	errLinks      = errors.New("too many links")
	errNotRegular = errors.New("not a regular file")
)

func writeFile(t *testing.T, p string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte("old"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

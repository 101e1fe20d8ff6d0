package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeMNIST writes a fake MNIST folder: nTrain and nTest 2×2 images whose
// pixels are 0, 51, 102, 255 and labels i%10; files listed in plain are
// written uncompressed without ".gz". It returns the folder.
func writeMNIST(t *testing.T, nTrain, nTest int, plain ...string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(base string, content []byte) {
		name := base + ".gz"
		if slices.Contains(plain, base) {
			name = base
		} else {
			content = gz(t, content)
		}
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, set := range []struct {
		images, labels string
		n              int
	}{
		{mnistFiles.trainImages, mnistFiles.trainLabels, nTrain},
		{mnistFiles.testImages, mnistFiles.testLabels, nTest},
	} {
		var pixels, labels []byte
		for i := range set.n {
			pixels = append(pixels, 0, 51, 102, 255)
			labels = append(labels, byte(i%10))
		}
		write(set.images, idxFile([]uint32{uint32(set.n), 2, 2}, pixels))
		write(set.labels, idxFile([]uint32{uint32(set.n)}, labels))
	}
	return dir
}

func TestLoadMNISTSynthetic(t *testing.T) {
	type summary struct {
		Name    string
		Shape   []int
		Row     []float64
		Labels  []int
		Classes int
	}
	for _, plain := range [][]string{nil, {mnistFiles.trainImages, mnistFiles.testLabels}} {
		name := "gzip"
		if plain != nil {
			name = "some uncompressed"
		}
		t.Run(name, func(t *testing.T) {
			train, test, err := LoadMNIST(writeMNIST(t, 12, 3, plain...))
			if err != nil {
				t.Fatalf("LoadMNIST: %v", err)
			}
			// 51/255 = 0.2 and 102/255 = 0.4 exactly in float64 division.
			row := []float64{0, 0.2, 0.4, 1}
			want := []summary{
				{"mnist-train", []int{12, 4}, row, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1}, 10},
				{"mnist-test", []int{3, 4}, row, []int{0, 1, 2}, 10},
			}
			var got []summary
			for _, ds := range []*Dataset{train, test} {
				if err := ds.Validate(); err != nil {
					t.Errorf("%s invalid: %v", ds.Name, err)
				}
				got = append(got, summary{ds.Name, ds.X.Shape(), ds.X.Data()[4:8], ds.Labels, ds.NumClasses()})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LoadMNIST mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		format  bool     // error wraps ErrFormat (else fs.ErrNotExist)
		mention []string // substrings the message must contain
	}{
		{"missing file", func(t *testing.T, dir string) {
			rm(t, dir, mnistFiles.testLabels+".gz")
		}, false, []string{"t10k-labels-idx1-ubyte.gz or t10k-labels-idx1-ubyte in " + "DIR"}},
		{"labels for images", func(t *testing.T, dir string) {
			put(t, dir, mnistFiles.trainImages+".gz", idxFile([]uint32{2}, []byte{1, 2}))
		}, true, []string{"DIR/train-images-idx3-ubyte.gz", "magic number 0x00000801, want 0x00000803"}},
		{"truncated", func(t *testing.T, dir string) {
			put(t, dir, mnistFiles.testImages+".gz", idxFile([]uint32{3, 2, 2}, make([]byte, 11)))
		}, true, []string{"DIR/t10k-images-idx3-ubyte.gz", "truncated"}},
		{"count mismatch", func(t *testing.T, dir string) {
			put(t, dir, mnistFiles.trainLabels+".gz", gz(t, idxFile([]uint32{4}, []byte{1, 2, 3, 4})))
		}, true, []string{"DIR/train-images-idx3-ubyte.gz has 5 images but DIR/train-labels-idx1-ubyte.gz has 4 labels"}},
		{"label not a digit", func(t *testing.T, dir string) {
			put(t, dir, mnistFiles.testLabels+".gz", gz(t, idxFile([]uint32{3}, []byte{1, 10, 3})))
		}, true, []string{"DIR/t10k-labels-idx1-ubyte.gz: label 10 of image 1 is not a digit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeMNIST(t, 5, 3)
			tt.setup(t, dir)
			_, _, err := LoadMNIST(dir)
			if err == nil {
				t.Fatal("LoadMNIST succeeded, want an error")
			}
			if tt.format && !errors.Is(err, ErrFormat) || !tt.format && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("LoadMNIST error %v: wrong kind (want ErrFormat: %v)", err, tt.format)
			}
			msg := strings.ReplaceAll(err.Error(), dir, "DIR")
			for _, m := range tt.mention {
				if !strings.Contains(msg, m) {
					t.Errorf("LoadMNIST error %q does not mention %q", msg, m)
				}
			}
		})
	}
}

func rm(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, dir, name string, content []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadMNISTReal loads the real MNIST through MNISTDir. It needs the go
// tool and either the module cache or the Go module proxy, and 450 MB of
// memory, so it is skipped in -short mode and when the files are unavailable.
// The known values are the first labels of each file and the widely
// published per-digit counts (5923 zeros in training, …), which these files
// reproduce.
func TestLoadMNISTReal(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: loads 11.6 MB of MNIST into 450 MB of float64")
	}
	dir, err := MNISTDir()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatalf("LoadMNIST(%s): %v", dir, err)
	}
	type summary struct {
		Shape  []int
		First  []int
		Counts []int
	}
	var got []summary
	for _, ds := range []*Dataset{train, test} {
		counts := make([]int, 10)
		for _, l := range ds.Labels {
			counts[l]++
		}
		got = append(got, summary{ds.X.Shape(), ds.Labels[:6], counts})
		lo, hi := 1.0, 0.0
		for _, v := range ds.X.Data() {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s pixels span [%v, %v], want [0, 1]", ds.Name, lo, hi)
		}
	}
	want := []summary{
		{[]int{60000, 784}, []int{5, 0, 4, 1, 9, 2}, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{[]int{10000, 784}, []int{7, 2, 1, 0, 4, 1}, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MNIST mismatch (-want +got):\n%s", diff)
	}
}

func TestMNISTDirErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		mention string
	}{
		{"no go tool", map[string]string{"PATH": ""}, "go tool not found"},
		{"download fails", map[string]string{"GOPROXY": "off"}, "GOPROXY=off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMODCACHE", t.TempDir()) // an empty cache: nothing to find
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir, err := MNISTDir()
			if err == nil {
				t.Fatalf("MNISTDir() = %q, want an error", dir)
			}
			for _, m := range []string{tt.mention, "go mod download -json " + MNISTModule} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("MNISTDir error %q does not mention %q", err, m)
				}
			}
		})
	}
}

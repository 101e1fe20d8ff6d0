package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// withHeader returns a safetensors file with the given JSON header and data.
func withHeader(hdr string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(b, hdr...), data...)
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// survives a write and a re-read unchanged: as F64 (the values widened),
// and in each tensor's own type (F32 as F32, bit for bit; see
// checkOwnTypeRoundTrip).
// The corpus starts from the shared files PyTorch wrote and from crafted
// headers (lying sizes, overlaps, huge lengths, bad dtypes).
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "*.safetensors"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	for _, c := range badFiles() {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Decode error %v does not wrap ErrFormat", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteTensors(&buf, file.Tensors, file.Metadata, F64); err != nil {
			t.Fatalf("WriteTensors of a decoded file: %v", err)
		}
		back, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-decoding what WriteTensors wrote: %v", err)
		}
		for name, want := range file.Tensors {
			got := back.Tensors[name]
			if got == nil || !tensor.SameShape(got, want) || !sameBits(got.Data(), want.Float64s()) {
				t.Fatalf("tensor %q changed in a round trip: got %v, want %v", name, got, want)
			}
		}
		checkOwnTypeRoundTrip(t, file)
	})
}

// checkOwnTypeRoundTrip writes a decoded file with WriteTensors' default
// type and decodes it again: every tensor keeps its element type and its
// bits (F32 NaN payloads included), and a second write gives the same
// bytes.
func checkOwnTypeRoundTrip(t *testing.T, file *File) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTensors(&buf, file.Tensors, file.Metadata, ""); err != nil {
		t.Fatalf("WriteTensors(\"\") of a decoded file: %v", err)
	}
	back, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatalf("re-decoding what WriteTensors(\"\") wrote: %v", err)
	}
	for name, want := range file.Tensors {
		got := back.Tensors[name]
		if got == nil || got.DType() != want.DType() || !tensor.SameShape(got, want) || !slices.Equal(tensorBits(got).Bits, tensorBits(want).Bits) {
			t.Fatalf("tensor %q changed in a round trip in its own type: got %v, want %v", name, got, want)
		}
	}
	var again bytes.Buffer
	if err := WriteTensors(&again, back.Tensors, back.Metadata, ""); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatalf("a second WriteTensors(\"\") differs (err %v)", err)
	}
}

// sameBits reports whether a and b hold the same float64 bit patterns,
// except that any NaN equals any NaN.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

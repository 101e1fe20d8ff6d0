package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// idxFile returns an unsigned-byte IDX file with the given dimensions and
// element bytes (not checked against each other, so tests can lie).
func idxFile(dims []uint32, elems []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxUbyte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d) // a bytes.Buffer write cannot fail
	}
	b.Write(elems)
	return b.Bytes()
}

func TestIDXRoundTrip(t *testing.T) {
	// Three 2×3 images with pixels 0, 1, …, 17 except the extremes 0 and 255
	// in the first and last position, to check the scaling p/255.
	pixels := make([]byte, 18)
	for i := range pixels {
		pixels[i] = byte(i)
	}
	pixels[17] = 255
	wantX := make([]float64, len(pixels))
	for i, p := range pixels {
		wantX[i] = float64(p) / 255
	}
	labels := []byte{7, 0, 255}

	for _, zip := range []bool{false, true} {
		name := "plain"
		images, lbls := idxFile([]uint32{3, 2, 3}, pixels), idxFile([]uint32{3}, labels)
		if zip {
			name = "gzip"
			images, lbls = gz(t, images), gz(t, lbls)
		}
		t.Run(name, func(t *testing.T) {
			x, err := ReadIDXImages(bytes.NewReader(images))
			if err != nil {
				t.Fatalf("ReadIDXImages: %v", err)
			}
			// The pixels must be exactly p/255: tolerance 0.
			if diff := cmp.Diff([]any{[]int{3, 2, 3}, wantX}, []any{x.Shape(), x.Data()}); diff != "" {
				t.Errorf("ReadIDXImages mismatch (-want +got):\n%s", diff)
			}
			got, err := ReadIDXLabels(bytes.NewReader(lbls))
			if err != nil {
				t.Fatalf("ReadIDXLabels: %v", err)
			}
			if diff := cmp.Diff([]int{7, 0, 255}, got); diff != "" {
				t.Errorf("ReadIDXLabels mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIDXEmpty(t *testing.T) {
	x, err := ReadIDXImages(bytes.NewReader(idxFile([]uint32{0, 28, 28}, nil)))
	if err != nil || !cmp.Equal(x.Shape(), []int{0, 28, 28}) {
		t.Errorf("ReadIDXImages of 0 images = %v, %v; want shape [0 28 28]", x, err)
	}
	l, err := ReadIDXLabels(bytes.NewReader(idxFile([]uint32{0}, nil)))
	if err != nil || len(l) != 0 {
		t.Errorf("ReadIDXLabels of 0 labels = %v, %v; want none", l, err)
	}
}

func TestIDXErrors(t *testing.T) {
	good := idxFile([]uint32{2, 2, 2}, make([]byte, 8))
	tests := []struct {
		name    string
		in      []byte
		labels  bool // read with ReadIDXLabels instead of ReadIDXImages
		mention string
	}{
		{"empty", nil, false, "magic number"},
		{"short magic", []byte{0, 0, 8}, false, "magic number"},
		{"labels as images", idxFile([]uint32{2}, []byte{1, 2}), false, "magic number 0x00000801, want 0x00000803"},
		{"images as labels", good, true, "magic number 0x00000803, want 0x00000801"},
		{"float type", append([]byte{0, 0, 0x0d, 3}, good[4:]...), false, "magic number 0x00000d03"},
		{"truncated header", good[:9], false, "header (3 dimensions)"},
		{"truncated data", good[:len(good)-1], false, "truncated: header [2 2 2] announces 8 data bytes, file has 7"},
		{"trailing bytes", append(append([]byte{}, good...), 0), false, "trailing bytes after the 8 data bytes"},
		{"labels truncated", idxFile([]uint32{3}, []byte{1, 2}), true, "announces 3 data bytes, file has 2"},
		{"labels trailing", idxFile([]uint32{1}, []byte{1, 2}), true, "trailing bytes"},
		{"zero rows", idxFile([]uint32{1, 0, 5}, nil), false, "image size 0×5"},
		{"huge dims", idxFile([]uint32{1 << 31, 1 << 31, 1 << 31}, []byte{1}), false, "announce more than"},
		{"huge but plausible", idxFile([]uint32{60000, 2800, 2800}, []byte{1, 2, 3}), false, "file has 3"},
		{"gzip truncated", gz(t, good)[:25], false, "unexpected EOF"},
		{"gzip corrupt", func() []byte {
			b := gz(t, good)
			b[len(b)-5] ^= 0xff // inside the ISIZE/CRC trailer (RFC 1952)
			return b
		}(), false, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.labels {
				_, err = ReadIDXLabels(bytes.NewReader(tt.in))
			} else {
				_, err = ReadIDXImages(bytes.NewReader(tt.in))
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error = %v, want one wrapping ErrFormat and mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestIDXReaderError(t *testing.T) {
	_, err := ReadIDXImages(&failingReader{idxFile([]uint32{2, 2, 2}, make([]byte, 3))})
	if !errors.Is(err, errDisk) || errors.Is(err, ErrFormat) {
		t.Errorf("ReadIDXImages on a failing reader = %v, want the reader's error and not ErrFormat", err)
	}
}

// FuzzReadIDXImages feeds arbitrary bytes to both IDX readers: neither may
// panic, an error must wrap ErrFormat, and what they accept must match the
// bytes' length and lie in range.
func FuzzReadIDXImages(f *testing.F) {
	f.Add(idxFile([]uint32{2, 2, 2}, []byte{0, 1, 2, 3, 252, 253, 254, 255}))
	f.Add(idxFile([]uint32{1, 1, 1}, []byte{9}))
	f.Add(idxFile([]uint32{0, 28, 28}, nil))
	f.Add(idxFile([]uint32{3}, []byte{1, 2, 3}))
	f.Add(idxFile([]uint32{1 << 31, 1 << 31, 1 << 31}, []byte{1}))
	f.Add(idxFile([]uint32{60000, 28, 28}, []byte{1, 2, 3}))
	f.Add(gz(f, idxFile([]uint32{1, 2, 1}, []byte{4, 5})))
	f.Add(gz(f, idxFile([]uint32{2}, []byte{4, 5})))
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDXImages(bytes.NewReader(in))
		switch {
		case err != nil && !errors.Is(err, ErrFormat):
			t.Fatalf("ReadIDXImages error %v does not wrap ErrFormat", err)
		case err == nil:
			s := x.Shape()
			if len(s) != 3 || s[1] < 1 || s[2] < 1 || x.Len() != s[0]*s[1]*s[2] {
				t.Fatalf("ReadIDXImages returned shape %v with %d pixels", s, x.Len())
			}
			if !bytes.HasPrefix(in, gzipMagic[:]) && len(in) != 16+x.Len() {
				t.Fatalf("ReadIDXImages accepted %d bytes for %d pixels", len(in), x.Len())
			}
			for _, v := range x.Data() {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("ReadIDXImages returned pixel %v outside [0, 1]", v)
				}
			}
		}
		labels, err := ReadIDXLabels(bytes.NewReader(in))
		switch {
		case err != nil && !errors.Is(err, ErrFormat):
			t.Fatalf("ReadIDXLabels error %v does not wrap ErrFormat", err)
		case err == nil && !bytes.HasPrefix(in, gzipMagic[:]) && len(in) != 8+len(labels):
			t.Fatalf("ReadIDXLabels accepted %d bytes for %d labels", len(in), len(labels))
		}
	})
}

package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
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
		{"huge dims", idxFile([]uint32{1 << 31, 1 << 31, 1 << 31}, []byte{1}), false, "exceed the limit"},
		{"no images of a huge size", idxFile([]uint32{0, 1 << 20, 1 << 20}, nil), false, "exceed the limit"},
		{"huge but plausible", idxFile([]uint32{60000, 28, 28}, []byte{1, 2, 3}), false, "file has 3"},
		{"over the limit", idxFile([]uint32{1024, 1024, 1024}, []byte{1}), false, "exceed the limit of 134217728 elements"},
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

// gzZeros returns a gzip stream of an IDX header with dims followed by
// mibs MiB of zero bytes. Each MiB is one gzip member of about 1 kB (a gzip
// reader reads concatenated members as one stream), so the file is about
// 1000 times smaller than what it expands to: a gzip bomb.
func gzZeros(t testing.TB, dims []uint32, mibs int) []byte {
	t.Helper()
	b := gz(t, idxFile(dims, make([]byte, 1<<20)))
	more := gz(t, make([]byte, 1<<20))
	for range mibs - 1 {
		b = append(b, more...)
	}
	return b
}

// allocated returns the bytes allocated (runtime.MemStats.TotalAlloc) while f
// runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestIDXUntrustedSize: a small gzipped file whose header announces a huge
// count fails with ErrFormat having allocated far less than the count,
// whether the count is over the limit (rejected at the header) or under it
// but the stream ends early (memory follows the bytes that arrive).
func TestIDXUntrustedSize(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		labels   bool
		declared uint64 // elements the header announces
		maxAlloc uint64 // bytes the read may allocate
		mention  string
	}{
		// The case: a 1 MB gzip file that expands to a header
		// announcing 1024³ images and all their 1 GiB of bytes (8 GiB as
		// float64). Rejected at the header: what is allocated is the gzip
		// reader's state, tens of kB.
		{"1024³ images", gzZeros(t, []uint32{1 << 10, 1 << 10, 1 << 10}, 1<<10), false, 1 << 30, 1 << 20, "the limit"},
		{"2³²−1 labels", gzZeros(t, []uint32{1<<32 - 1}, 1), true, 1<<32 - 1, 1 << 20, "the limit"},
		// Just under the default limit (170000 28×28 images, 133 million
		// pixels) but only 1 MiB of them arrives: the buffer grows with the
		// data, doubling from 1 MiB, so a few MiB, not 133 MB (or 1 GB of
		// float64).
		{"under the limit, truncated", gzZeros(t, []uint32{170000, 28, 28}, 1), false, 170000 * 28 * 28, 8 << 20, "truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.in) > 2<<20 {
				t.Fatalf("test input is %d bytes, want a small file", len(tc.in))
			}
			var err error
			n := allocated(func() {
				if tc.labels {
					_, err = ReadIDXLabels(bytes.NewReader(tc.in))
				} else {
					_, err = ReadIDXImages(bytes.NewReader(tc.in))
				}
			})
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error = %v, want one wrapping ErrFormat and mentioning %q", err, tc.mention)
			}
			if n > tc.maxAlloc {
				t.Errorf("allocated %d bytes for a header announcing %d elements, want at most %d", n, tc.declared, tc.maxAlloc)
			}
		})
	}
}

// TestMaxElements: the limit admits exactly the files up to it, and counts
// elements as the product of the non-zero dimensions (so 0 images of a huge
// size are refused too).
func TestMaxElements(t *testing.T) {
	images := idxFile([]uint32{2, 2, 3}, make([]byte, 12))
	tests := []struct {
		name    string
		in      []byte
		limit   int64
		mention string // "" for success
	}{
		{"at the limit", images, 12, ""},
		{"over the limit", images, 11, "exceed the limit of 11 elements"},
		{"gzipped over the limit", gz(t, images), 11, "exceed the limit of 11 elements"},
		{"zero images within", idxFile([]uint32{0, 2, 3}, nil), 6, ""},
		{"zero images over", idxFile([]uint32{0, 2, 3}, nil), 5, "exceed the limit"},
		{"zero rows within", idxFile([]uint32{5, 0, 3}, nil), 15, "image size 0×3"},
		{"default", images, DefaultMaxIDXElements, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDXImages(bytes.NewReader(tc.in), MaxElements(tc.limit))
			switch {
			case tc.mention == "" && err != nil:
				t.Errorf("ReadIDXImages with MaxElements(%d) = %v, want success", tc.limit, err)
			case tc.mention != "" && (!errors.Is(err, ErrFormat) || !strings.Contains(fmt.Sprint(err), tc.mention)):
				t.Errorf("ReadIDXImages with MaxElements(%d) = %v, want an error wrapping ErrFormat mentioning %q", tc.limit, err, tc.mention)
			}
		})
	}
	if l, err := ReadIDXLabels(bytes.NewReader(idxFile([]uint32{0}, nil)), MaxElements(0)); err != nil || len(l) != 0 {
		t.Errorf("ReadIDXLabels of 0 labels with MaxElements(0) = %v, %v; want no labels", l, err)
	}
	tapegradtest.CheckPanic(t, func() { MaxElements(-1) }, ErrArgument, "data.MaxElements", "-1")
}

// FuzzReadIDXGzip feeds the gzip-compressed form of arbitrary bytes to both
// IDX readers: the gzip path must agree with the plain one (same tensor or
// labels, or an error wrapping ErrFormat from both) and never panic. The
// seed corpus is FuzzReadIDXImages's (testdata/fuzz/FuzzReadIDXGzip holds
// copies of its files) and the files of TestIDXErrors.
func FuzzReadIDXGzip(f *testing.F) {
	good := idxFile([]uint32{2, 2, 2}, []byte{0, 1, 2, 3, 252, 253, 254, 255})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(append(append([]byte{}, good...), 0))
	f.Add(idxFile([]uint32{3}, []byte{1, 2, 3}))
	f.Add(idxFile([]uint32{0, 28, 28}, nil))
	f.Add(idxFile([]uint32{1024, 1024, 1024}, []byte{1}))
	f.Add(idxFile([]uint32{1, 0, 5}, nil))
	// One writer, reset for each input: a new one allocates about 1 MB,
	// which would slow the fuzzer (and its minimisation) tenfold.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.HasPrefix(in, gzipMagic[:]) {
			return // the plain reading would itself decompress: nothing to compare
		}
		zb.Reset()
		zw.Reset(&zb)
		if _, err := zw.Write(in); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		z := zb.Bytes()
		x, err := ReadIDXImages(bytes.NewReader(in))
		zx, zerr := ReadIDXImages(bytes.NewReader(z))
		switch {
		case zerr != nil && !errors.Is(zerr, ErrFormat):
			t.Fatalf("gzipped ReadIDXImages error %v does not wrap ErrFormat", zerr)
		case (err == nil) != (zerr == nil):
			t.Fatalf("ReadIDXImages: plain error %v, gzipped error %v", err, zerr)
		case err == nil && tapegradtest.Diff(x, zx) != "":
			t.Fatalf("ReadIDXImages: gzipped result differs (-plain +gzipped):\n%s", tapegradtest.Diff(x, zx))
		}
		l, err := ReadIDXLabels(bytes.NewReader(in))
		zl, zerr := ReadIDXLabels(bytes.NewReader(z))
		switch {
		case zerr != nil && !errors.Is(zerr, ErrFormat):
			t.Fatalf("gzipped ReadIDXLabels error %v does not wrap ErrFormat", zerr)
		case (err == nil) != (zerr == nil):
			t.Fatalf("ReadIDXLabels: plain error %v, gzipped error %v", err, zerr)
		case err == nil && !cmp.Equal(l, zl):
			t.Fatalf("ReadIDXLabels: gzipped result differs (-plain +gzipped):\n%s", cmp.Diff(l, zl))
		}
	})
}

package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"syscall"

	"github.com/tapegrad/tapegrad/tensor"
)

// ErrFormat is wrapped by every error about a malformed safetensors file: a
// truncated file, a header that is not JSON or lies about sizes, offsets that
// overlap or run past the data, an unknown dtype. Test with
// errors.Is(err, checkpoint.ErrFormat).
var ErrFormat = errors.New("checkpoint: malformed safetensors file")

// ErrMismatch is wrapped by errors about a well-formed file that does not fit
// what it is loaded into: missing or unexpected tensor names, wrong shapes, a
// dtype a parameter cannot take, optimiser state of another optimiser.
var ErrMismatch = errors.New("checkpoint: file does not match")

// MaxHeaderLen is the largest JSON header accepted, 100,000,000 bytes, the
// limit (MAX_HEADER_SIZE) of the reference (Rust) implementation. A larger
// declared length is an error, not an allocation.
const MaxHeaderLen = 100_000_000

// DType is a safetensors element type, spelt as in the file ("F64", "BF16").
type DType string

// The element types this package reads. Decode returns an F32 tensor as a
// tensor.Float32 tensor holding the file's bits, and widens every other
// type to a tensor.Float64 tensor exactly; integers beyond ±2⁵³ are
// rejected rather than rounded. WriteTensors writes the float types F64,
// F32, F16 and BF16.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U8   DType = "U8"
	Bool DType = "BOOL"
)

// Size returns the number of bytes of one element, or 0 for a dtype this
// package does not know.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16, I16:
		return 2
	case I8, U8, Bool:
		return 1
	}
	return 0
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool { return d == F64 || d == F32 || d == F16 || d == BF16 }

// File is the decoded content of a safetensors file.
type File struct {
	// Tensors maps each name to its values: a tensor.Float32 tensor for
	// an F32 entry (the file's bits, not widened), a tensor.Float64 tensor
	// for every other type (widened exactly).
	Tensors map[string]*tensor.Tensor
	// DTypes maps each name to the element type it had in the file.
	DTypes map[string]DType
	// Names lists the tensor names in the order of their data in the file.
	Names []string
	// Metadata is the header's "__metadata__" map (empty if absent).
	Metadata map[string]string
}

// formatErr returns an error wrapping ErrFormat.
func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// ReadFile reads and decodes the safetensors file at path. The header length
// is checked against the file's size before anything is allocated for it.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, fmt.Errorf("checkpoint: %s is a directory, not a safetensors file: %w", path, syscall.EISDIR)
	case !st.Mode().IsRegular(): // a pipe or a device: its size says nothing
		file, err := ReadTensors(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return file, nil
	}
	var pre [8]byte
	if _, err := io.ReadFull(f, pre[:]); err != nil {
		return nil, formatErr("%s: file of %d bytes is too short for the 8-byte header length", path, st.Size())
	}
	if err := checkHeaderLen(binary.LittleEndian.Uint64(pre[:]), st.Size()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	file, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file, nil
}

// checkHeaderLen checks a declared header length n against MaxHeaderLen
// and, unless size < 0 (a stream), against a file of size bytes.
func checkHeaderLen(n uint64, size int64) error {
	switch {
	case n > MaxHeaderLen:
		return formatErr("header length %d exceeds the limit (%d)", n, MaxHeaderLen)
	case size >= 0 && n > uint64(size-8):
		return formatErr("header length %d exceeds the file (%d bytes)", n, size)
	}
	return nil
}

// ReadTensors reads a whole safetensors stream from r and decodes it.
func ReadTensors(r io.Reader) (*File, error) {
	if isNil(r) {
		return nil, argErr("checkpoint.ReadTensors: nil reader")
	}
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, formatErr("reading the 8-byte header length: %v", err)
	}
	n := binary.LittleEndian.Uint64(pre[:])
	if err := checkHeaderLen(n, -1); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(pre[:])
	if _, err := io.CopyN(&buf, r, int64(n)); err != nil {
		return nil, formatErr("header length %d but the stream ends after %d header bytes", n, buf.Len()-8)
	}
	if _, err := io.Copy(&buf, r); err != nil {
		return nil, err
	}
	return Decode(buf.Bytes())
}

// entry is one tensor's header record.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end uint64
}

// Decode parses a complete safetensors file held in b. It validates the
// whole header first (JSON syntax, duplicate names, dtypes, shapes, offsets
// that tile the data buffer exactly, sizes that match dtype × shape) and
// never panics: every problem is an error wrapping ErrFormat that names the
// tensor and what is wrong.
func Decode(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, formatErr("%d bytes is too short for the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if err := checkHeaderLen(n, int64(len(b))); err != nil {
		return nil, err
	}
	hdr, buf := b[8:8+n], b[8+n:]
	entries, md, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	if err := checkOffsets(entries, uint64(len(buf))); err != nil {
		return nil, err
	}
	f := &File{Tensors: map[string]*tensor.Tensor{}, DTypes: map[string]DType{}, Metadata: md}
	for _, e := range entries {
		t, err := decodeData(e, buf[e.begin:e.end])
		if err != nil {
			return nil, err
		}
		f.Tensors[e.name] = t
		f.DTypes[e.name] = e.dtype
		f.Names = append(f.Names, e.name)
	}
	return f, nil
}

// checkOffsets requires the entries, sorted by offset, to tile [0, size)
// exactly: no overlap, no gap, nothing past the end, no trailing bytes.
func checkOffsets(entries []entry, size uint64) error {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := entries[idx[a]], entries[idx[b]]
		return ea.begin < eb.begin || (ea.begin == eb.begin && ea.end < eb.end)
	})
	var pos uint64
	prev := ""
	for _, i := range idx {
		e := entries[i]
		switch {
		case e.end > size:
			return formatErr("tensor %q: data_offsets [%d, %d] run past the data buffer (%d bytes); the file may be truncated", e.name, e.begin, e.end, size)
		case e.begin < pos:
			return formatErr("tensor %q: data_offsets [%d, %d] overlap tensor %q (which ends at %d)", e.name, e.begin, e.end, prev, pos)
		case e.begin > pos:
			return formatErr("tensor %q: data_offsets [%d, %d] leave a gap after byte %d", e.name, e.begin, e.end, pos)
		}
		pos, prev = e.end, e.name
	}
	if pos != size {
		return formatErr("data buffer has %d bytes but the tensors cover %d", size, pos)
	}
	// Sorted order is file order.
	sorted := make([]entry, len(entries))
	for k, i := range idx {
		sorted[k] = entries[i]
	}
	copy(entries, sorted)
	return nil
}

// maxExactInt is 2⁵³, beyond which float64 cannot hold every integer.
const maxExactInt = 1 << 53

// decodeData reads the little-endian elements of e.dtype: F32 into a
// Float32 tensor bit for bit, every other type widened to a Float64 one.
func decodeData(e entry, b []byte) (*tensor.Tensor, error) {
	sz := e.dtype.Size()
	le := binary.LittleEndian
	if e.dtype == F32 {
		t := tensor.Float32.Zeros(e.shape...) // 0-d for an empty shape
		out := t.Data32()
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[i*4:]))
		}
		return t, nil
	}
	out := make([]float64, len(b)/sz)
	for i := range out {
		p := b[i*sz:]
		switch e.dtype {
		case F64:
			out[i] = math.Float64frombits(le.Uint64(p))
		case F16:
			out[i] = halfToFloat(le.Uint16(p))
		case BF16:
			out[i] = float64(math.Float32frombits(uint32(le.Uint16(p)) << 16))
		case I64:
			v := int64(le.Uint64(p))
			if v > maxExactInt || v < -maxExactInt {
				return nil, formatErr("tensor %q: I64 element %d = %d is beyond ±2⁵³ and would be rounded in float64", e.name, i, v)
			}
			out[i] = float64(v)
		case I32:
			out[i] = float64(int32(le.Uint32(p)))
		case I16:
			out[i] = float64(int16(le.Uint16(p)))
		case I8:
			out[i] = float64(int8(p[0]))
		case U8:
			out[i] = float64(p[0])
		case Bool:
			if p[0] > 1 {
				return nil, formatErr("tensor %q: BOOL element %d is %d, not 0 or 1", e.name, i, p[0])
			}
			out[i] = float64(p[0])
		}
	}
	if len(e.shape) == 0 {
		return tensor.Scalar(out[0]), nil // tensor.New with no shape would be 1-d
	}
	return tensor.New(out, e.shape...), nil
}

// prefix returns at most n bytes of b, for error messages.
func prefix(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

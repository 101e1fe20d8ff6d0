package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/) is a
// big-endian header followed by the elements in row-major order:
//
//	0x00 0x00 type ndims   magic number; type 0x08 is unsigned byte
//	uint32 × ndims         the size of each dimension
//	elements               prod(sizes) values of the type
const idxUbyte = 0x08

// DefaultMaxIDXElements is the largest element count (n·rows·cols for
// images, n for labels) that ReadIDXImages and ReadIDXLabels accept unless
// the MaxElements option raises it: 2²⁷ = 134,217,728, almost three times
// MNIST's 47,040,000 training pixels. At the limit a reader holds 128 MiB of
// bytes and returns 1 GiB of float64 images (8 bytes per pixel).
const DefaultMaxIDXElements = 1 << 27

// IDXOption configures ReadIDXImages, ReadIDXLabels and LoadMNIST.
type IDXOption func(*idxConfig)

// idxConfig is what the IDXOptions set.
type idxConfig struct {
	maxElements int64
}

// MaxElements sets the largest element count an IDX file may announce
// (DefaultMaxIDXElements when the option is not given). A header announcing
// more is rejected with an error wrapping ErrFormat before anything is
// allocated, so an untrusted file (a small gzip stream can expand to
// gigabytes) cannot make the reader exhaust memory. Raise it to read larger
// trusted files; each image element costs 9 bytes while reading (the byte
// and its float64). It panics with an error wrapping ErrArgument if n < 0.
func MaxElements(n int64) IDXOption {
	if n < 0 {
		argPanic("data.MaxElements", "element limit %d < 0", n)
	}
	return func(c *idxConfig) { c.maxElements = n }
}

// newIDXConfig applies opts over the defaults.
func newIDXConfig(opts []IDXOption) idxConfig {
	c := idxConfig{maxElements: DefaultMaxIDXElements}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// ReadIDXImages reads an IDX file of unsigned-byte images (magic 0x00000803:
// dimensions n, rows, cols) and returns them as a tensor of shape
// (n, rows, cols) with each pixel scaled from 0…255 to [0, 1] (p/255).
// The input may be gzip-compressed (it is sniffed for the gzip magic number).
//
// The magic number, rows ≥ 1, cols ≥ 1, and the data length are checked:
// exactly n·rows·cols pixel bytes must follow the header, no fewer and no
// more. Malformed input gives an error that wraps ErrFormat and says what is
// wrong; so does a header announcing more than DefaultMaxIDXElements
// elements (or the MaxElements option's limit), before anything is
// allocated. Below the limit memory grows with the bytes actually read, not
// with the header's claim. A nil r gives an error wrapping ErrArgument.
func ReadIDXImages(r io.Reader, opts ...IDXOption) (*tensor.Tensor, error) {
	if err := checkReader("data.ReadIDXImages", r); err != nil {
		return nil, err
	}
	dims, raw, err := readIDX(r, 3, "images", newIDXConfig(opts))
	if err != nil {
		return nil, err
	}
	if dims[1] == 0 || dims[2] == 0 {
		return nil, formatErrorf("IDX images: image size %d×%d, want at least 1×1", dims[1], dims[2])
	}
	x := make([]float64, len(raw))
	for i, b := range raw {
		x[i] = float64(b) / 255
	}
	return tensor.New(x, dims...), nil
}

// ReadIDXLabels reads an IDX file of unsigned-byte labels (magic 0x00000801:
// one dimension n) and returns the n labels, each in 0…255. The input may be
// gzip-compressed. The magic number and the data length (exactly n bytes
// after the header) are checked; malformed input, or n above the element
// limit (see ReadIDXImages and MaxElements), gives an error that wraps
// ErrFormat. A nil r gives an error wrapping ErrArgument.
func ReadIDXLabels(r io.Reader, opts ...IDXOption) ([]int, error) {
	if err := checkReader("data.ReadIDXLabels", r); err != nil {
		return nil, err
	}
	_, raw, err := readIDX(r, 1, "labels", newIDXConfig(opts))
	if err != nil {
		return nil, err
	}
	labels := make([]int, len(raw))
	for i, b := range raw {
		labels[i] = int(b)
	}
	return labels, nil
}

// readIDX reads an unsigned-byte IDX file with ndims dimensions and returns
// the dimensions and the element bytes. what names the content for errors.
// A header announcing more than c.maxElements elements is rejected before
// anything is allocated.
func readIDX(r io.Reader, ndims int, what string, c idxConfig) ([]int, []byte, error) {
	dr, err := decompress(r)
	if err != nil {
		return nil, nil, err
	}
	want := uint32(idxUbyte)<<8 | uint32(ndims)
	var magic uint32
	if err := binary.Read(dr, binary.BigEndian, &magic); err != nil {
		return nil, nil, readError(fmt.Sprintf("IDX %s magic number", what), err)
	}
	if magic != want {
		return nil, nil, formatErrorf("IDX %s: magic number 0x%08x, want 0x%08x (unsigned bytes, %d dimension%s)",
			what, magic, want, ndims, plural(ndims))
	}
	raw32 := make([]uint32, ndims)
	if err := binary.Read(dr, binary.BigEndian, raw32); err != nil {
		return nil, nil, readError(fmt.Sprintf("IDX %s header (%d dimensions)", what, ndims), err)
	}
	// The product of the non-zero dimensions must be within the limit too,
	// so that no shape (0, 2³¹, 2³¹) reaches the tensor.
	dims := make([]int, ndims)
	nonzero := int64(1)
	for i, d := range raw32 {
		dims[i] = int(d)
		if d == 0 {
			continue
		}
		if nonzero > c.maxElements/int64(d) { // nonzero·d > max, without overflow
			return nil, nil, formatErrorf("IDX %s: dimensions %v exceed the limit of %d elements (raise it with data.MaxElements if the file is trusted)",
				what, raw32, c.maxElements)
		}
		nonzero *= int64(d)
	}
	total := nonzero
	if slices.Contains(raw32, 0) {
		total = 0
	}

	// Read one byte more than announced to detect trailing data. The header
	// may lie, so it sizes the buffer only up to 1 MiB; beyond that the
	// buffer grows with what really arrives.
	buf := bytes.NewBuffer(make([]byte, 0, min(total, 1<<20)+1))
	if _, err := buf.ReadFrom(io.LimitReader(dr, total+1)); err != nil {
		return nil, nil, readError(fmt.Sprintf("IDX %s data", what), err)
	}
	switch got := int64(buf.Len()); {
	case got < total:
		return nil, nil, formatErrorf("IDX %s: truncated: header %v announces %d data bytes, file has %d", what, dims, total, got)
	case got > total:
		return nil, nil, formatErrorf("IDX %s: trailing bytes after the %d data bytes that header %v announces", what, total, dims)
	}
	return dims, buf.Bytes(), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

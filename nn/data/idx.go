package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tapegrad/tapegrad/tensor"
)

// The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/) is a
// big-endian header followed by the elements in row-major order:
//
//	0x00 0x00 type ndims   magic number; type 0x08 is unsigned byte
//	uint32 × ndims         the size of each dimension
//	elements               prod(sizes) values of the type
const idxUbyte = 0x08

// maxIDXBytes bounds the element count an IDX header may announce (1 TiB),
// so that the product of the dimensions cannot overflow.
const maxIDXBytes = 1 << 40

// ReadIDXImages reads an IDX file of unsigned-byte images (magic 0x00000803:
// dimensions n, rows, cols) and returns them as a tensor of shape
// (n, rows, cols) with each pixel scaled from 0…255 to [0, 1] (p/255).
// The input may be gzip-compressed (it is sniffed for the gzip magic number).
//
// The magic number, rows ≥ 1, cols ≥ 1, and the data length are checked:
// exactly n·rows·cols pixel bytes must follow the header, no fewer and no
// more. Malformed input gives an error that wraps ErrFormat and says what is
// wrong. Memory grows with the bytes actually read, not with the header's
// claim.
func ReadIDXImages(r io.Reader) (*tensor.Tensor, error) {
	dims, raw, err := readIDX(r, 3, "images")
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
// after the header) are checked; malformed input gives an error that wraps
// ErrFormat.
func ReadIDXLabels(r io.Reader) ([]int, error) {
	_, raw, err := readIDX(r, 1, "labels")
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
func readIDX(r io.Reader, ndims int, what string) ([]int, []byte, error) {
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
	dims := make([]int, ndims)
	total := int64(1)
	for i, d := range raw32 {
		dims[i] = int(d)
		if d != 0 && total > maxIDXBytes/int64(d) {
			return nil, nil, formatErrorf("IDX %s: dimensions %v announce more than %d bytes", what, raw32, int64(maxIDXBytes))
		}
		total *= int64(d)
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

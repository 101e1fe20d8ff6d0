package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tapegrad/tapegrad/tensor"
)

// WriteTensors writes ts as a safetensors stream to w: the 8-byte header
// length, the JSON header (names in sorted order, each with dtype, shape and
// data_offsets, then metadata under "__metadata__" if md is not empty, padded
// with spaces to a multiple of 8 bytes) and the elements in little-endian,
// row-major order. The empty dt writes each tensor in its own element type,
// bit for bit: a tensor.Float64 tensor as F64, a tensor.Float32 one as F32
// (as PyTorch's save_file keeps each tensor's dtype). Any other dt converts
// every tensor to dt: F64 widens float32 exactly and keeps float64; F32,
// F16 and BF16 round to nearest even, overflowing to ±Inf. It returns an
// error wrapping ErrArg for a nil writer, an empty name, the reserved name
// "__metadata__", a name that is not UTF-8 or a nil tensor; an error for a
// dtype it cannot write; or the writer's error.
func WriteTensors(w io.Writer, ts map[string]*tensor.Tensor, md map[string]string, dt DType) error {
	if isNil(w) {
		return argErr("checkpoint.WriteTensors: nil writer")
	}
	if dt != "" && !dt.IsFloat() {
		return fmt.Errorf("checkpoint: cannot write dtype %q (want F64, F32, F16, BF16, or \"\" for each tensor's own type)", dt)
	}
	names := make([]string, 0, len(ts))
	for name, t := range ts {
		switch {
		case name == "" || name == "__metadata__" || !utf8.ValidString(name):
			return argErr("invalid tensor name %q", name)
		case t == nil:
			return argErr("tensor %q is nil", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var hdr strings.Builder
	hdr.WriteByte('{')
	if len(md) > 0 {
		b, err := json.Marshal(md)
		if err != nil {
			return err
		}
		hdr.WriteString(`"__metadata__":`)
		hdr.Write(b)
	}
	var off uint64
	for i, name := range names {
		t := ts[name]
		if i > 0 || len(md) > 0 {
			hdr.WriteByte(',')
		}
		nb, _ := json.Marshal(name)
		shape := t.Shape()
		if shape == nil {
			shape = []int{}
		}
		sb, _ := json.Marshal(shape)
		tdt := fileDType(t, dt)
		end := off + uint64(t.Len()*tdt.Size())
		fmt.Fprintf(&hdr, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, nb, tdt, sb, off, end)
		off = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	var pre [8]byte
	binary.LittleEndian.PutUint64(pre[:], uint64(hdr.Len()))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	if _, err := io.WriteString(w, hdr.String()); err != nil {
		return err
	}
	var chunk []byte
	for _, name := range names {
		t := ts[name]
		tdt := fileDType(t, dt)
		if t.DType() == tensor.Float32 {
			chunk = encodeData(chunk[:0], t.Data32(), tdt)
		} else {
			chunk = encodeData(chunk[:0], t.Data(), tdt)
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

// fileDType returns the dtype WriteTensors writes t as: dt, or t's own
// element type (F32 for Float32, F64 for Float64) if dt is empty.
func fileDType(t *tensor.Tensor, dt DType) DType {
	switch {
	case dt != "":
		return dt
	case t.DType() == tensor.Float32:
		return F32
	}
	return F64
}

// encodeData appends the elements of x as dt to dst. A float32 element
// written as F32 keeps its bits; one written as F64 is widened exactly.
func encodeData[T float32 | float64](dst []byte, x []T, dt DType) []byte {
	le := binary.LittleEndian
	for _, v := range x {
		switch dt {
		case F64:
			dst = le.AppendUint64(dst, math.Float64bits(float64(v)))
		case F32:
			dst = le.AppendUint32(dst, math.Float32bits(float32(v)))
		case F16:
			dst = le.AppendUint16(dst, floatToHalf(float64(v)))
		case BF16:
			dst = le.AppendUint16(dst, floatToBF16(float64(v)))
		}
	}
	return dst
}

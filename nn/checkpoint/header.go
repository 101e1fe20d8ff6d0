package checkpoint

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// MaxRank is the largest number of dimensions a tensor in a file may have.
// The reference reader has no limit; this one keeps a hostile header from
// making the decoder allocate eight bytes per dimension (a 100 MB header
// can list 50 million of them). NumPy 2 allows 64 dimensions, PyTorch fewer.
const MaxRank = 64

// The header reader below accepts exactly the JSON that the reference
// reader (serde_json into serde-derived structs: safetensors/src/tensor.rs,
// HashMetadata and TensorInfo) accepts, with the same meaning, except where
// it is stricter (see parseHeader). Its cost is linear in the header's
// length and allocates only the names, the metadata strings, and at most
// MaxRank dimensions per entry.

// parseHeader decodes the JSON header, keeping the entries in file order.
// It follows the reference reader: the header must be valid UTF-8 holding
// one JSON object, followed only by whitespace; "__metadata__" may appear
// once, as null or an object of strings (a repeated key in it: the last
// wins, as in a Rust HashMap); every other key is a tensor whose record is
// an object with the fields "dtype", "shape" and "data_offsets", spelt
// exactly (case matters), each exactly once, other fields ignored. It is
// stricter than the reference in a few corners where the reference's answer
// would surprise: a tensor name given twice (the reference keeps the last),
// an empty tensor name, a record written as a JSON array or a dtype written
// as {"F64": null} (serde's alternative encodings), and shapes of more than
// MaxRank dimensions or a dimension over 2³¹ are errors.
func parseHeader(hdr []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, formatErr("header is not valid UTF-8")
	}
	r := &hreader{b: hdr}
	if r.peek() != '{' {
		return nil, nil, formatErr("header is not a JSON object (starts %q)", prefix(hdr, 20))
	}
	md := map[string]string{}
	var entries []entry
	seen := map[string]bool{}
	sawMeta := false
	err := r.object(func(name string) error {
		if name == "__metadata__" {
			if sawMeta {
				return formatErr("header has two __metadata__ fields")
			}
			sawMeta = true
			return r.metadata(md)
		}
		if seen[name] {
			return formatErr("header names %q twice", name)
		}
		seen[name] = true
		e, err := r.entry(name)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	r.ws()
	if rest := hdr[r.i:]; len(rest) > 0 {
		return nil, nil, formatErr("header has %d bytes after its JSON object (%q); only space padding may follow", len(rest), prefix(rest, 20))
	}
	return entries, md, nil
}

// metadata reads "__metadata__": null, or an object of strings to strings.
func (r *hreader) metadata(md map[string]string) error {
	if r.peek() == 'n' {
		return r.skipNull("__metadata__")
	}
	if r.peek() != '{' {
		return formatErr("__metadata__ must be an object of strings to strings (or null), not %s", prefix(r.b[r.i:], 20))
	}
	return r.object(func(k string) error {
		if r.peek() != '"' {
			return formatErr("__metadata__ must be an object of strings to strings: value of %q is %s", k, prefix(r.b[r.i:], 20))
		}
		v, err := r.str()
		md[k] = v
		return err
	})
}

func (r *hreader) skipNull(what string) error {
	if len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return nil
	}
	return r.errAt("%s: want null or an object", what)
}

// entry reads one tensor record.
func (r *hreader) entry(name string) (entry, error) {
	if name == "" {
		return entry{}, formatErr("a tensor has an empty name")
	}
	if r.peek() != '{' {
		return entry{}, formatErr("tensor %q: record %s is not a JSON object", name, prefix(r.b[r.i:], 40))
	}
	e := entry{name: name}
	var hasDType, hasShape, hasOffsets bool
	n := uint64(1) // elements
	err := r.object(func(k string) error {
		dup := func(has *bool) error {
			if *has {
				return formatErr("tensor %q: field %q given twice", name, k)
			}
			*has = true
			return nil
		}
		switch k {
		case "dtype":
			if err := dup(&hasDType); err != nil {
				return err
			}
			if r.peek() != '"' {
				return formatErr("tensor %q: dtype %s is not a string", name, prefix(r.b[r.i:], 20))
			}
			s, err := r.str()
			if err != nil {
				return err
			}
			e.dtype = DType(s)
			if e.dtype.Size() == 0 {
				return formatErr("tensor %q: dtype %q is not supported (want one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)", name, s)
			}
			return nil
		case "shape":
			if err := dup(&hasShape); err != nil {
				return err
			}
			e.shape = []int{}
			return r.array(func() error {
				d, err := r.uint()
				if err != nil {
					return fmt.Errorf("tensor %q: shape: %w", name, err)
				}
				if len(e.shape) == MaxRank {
					return formatErr("tensor %q: shape has more than MaxRank = %d dimensions", name, MaxRank)
				}
				if d > math.MaxInt32 {
					return formatErr("tensor %q: shape dimension %d is %d, over 2³¹", name, len(e.shape), d)
				}
				n = min(n*d, math.MaxInt32+1) // ≤ 2³¹·2³¹: no overflow; a later 0 still gives 0
				e.shape = append(e.shape, int(d))
				return nil
			})
		case "data_offsets":
			if err := dup(&hasOffsets); err != nil {
				return err
			}
			var offs [2]uint64
			k := 0
			err := r.array(func() error {
				v, err := r.uint()
				if err != nil {
					return fmt.Errorf("tensor %q: data_offsets: %w", name, err)
				}
				if k == 2 {
					return formatErr("tensor %q: data_offsets must be [begin, end], not longer", name)
				}
				offs[k] = v
				k++
				return nil
			})
			if err != nil {
				return err
			}
			if k != 2 {
				return formatErr("tensor %q: data_offsets must be [begin, end], not %d numbers", name, k)
			}
			e.begin, e.end = offs[0], offs[1]
			return nil
		}
		return r.skip()
	})
	if err != nil {
		return entry{}, err
	}
	if !hasDType || !hasShape || !hasOffsets {
		return entry{}, formatErr("tensor %q: record needs dtype, shape and data_offsets", name)
	}
	if n > math.MaxInt32 {
		return entry{}, formatErr("tensor %q: shape %v has more than 2³¹ elements", name, e.shape)
	}
	if e.begin > e.end {
		return entry{}, formatErr("tensor %q: data_offsets [%d, %d] end before they begin", name, e.begin, e.end)
	}
	if want := n * uint64(e.dtype.Size()); e.end-e.begin != want {
		return entry{}, formatErr("tensor %q: data_offsets [%d, %d] hold %d bytes but %s %v needs %d",
			name, e.begin, e.end, e.end-e.begin, e.dtype, e.shape, want)
	}
	return e, nil
}

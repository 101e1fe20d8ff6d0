package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// headerGen builds a safetensors file from fuzz bytes: a JSON header of
// entries (names, dtypes, shapes, offsets, extra fields) and metadata,
// each choice read from the bytes, most of them well formed and some with
// one defect of a kind the reference reader rejects. valid records whether
// any defect was put in, and want the tensors a well-formed file holds.
type headerGen struct {
	in    []byte
	valid bool
	want  map[string]genTensor
}

type genTensor struct {
	dtype DType
	shape []int
}

// next returns the next fuzz byte (0 once they run out).
func (g *headerGen) next() byte {
	if len(g.in) == 0 {
		return 0
	}
	b := g.in[0]
	g.in = g.in[1:]
	return b
}

// chance reports true 1 time in n, never once the bytes run out.
func (g *headerGen) chance(n byte) bool { return len(g.in) > 0 && g.next()%n == 0 }

// defect reports, for 1 time in n, that a defect goes in, and records it.
func (g *headerGen) defect(n byte) bool {
	if g.chance(n) {
		g.valid = false
		return true
	}
	return false
}

var (
	genNames  = []string{"w", "b", "layers.0.weight", "é", `q\"uote`, "\\u0077x", "optim.0.step"}
	genDTypes = []DType{F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool}
	badDTypes = []string{`"f64"`, `"C64"`, `7`, `null`, `{"F64":null}`, `"F64 "`}
	badDims   = []string{"-1", "1.0", "1e1", "01", "18446744073709551616", `"2"`, "2147483648"}
	genStrs   = []string{"v", "", `\n\t`, `\u00e9`, `\ud83d\ude00`, "pt"}
	badStrs   = []string{`\ud800`, `\udc00x`, `\x`, "\x01"}
)

// file returns the whole file.
func (g *headerGen) file() []byte {
	g.valid, g.want = true, map[string]genTensor{}
	var hdr strings.Builder
	var data []byte
	hdr.WriteString("{")
	n := int(g.next() % 6)
	off := 0
	used := map[string]bool{}
	for i := range n {
		if i > 0 {
			hdr.WriteString(",")
		}
		if g.chance(8) { // metadata
			fmt.Fprintf(&hdr, `"__metadata__":{"k%d":"%s"`, i, g.str())
			if g.next()%4 == 0 {
				fmt.Fprintf(&hdr, `,"j":"%s"`, g.str())
			}
			if g.defect(16) {
				hdr.WriteString(`,"n":1`)
			}
			hdr.WriteString("}")
			if used["__metadata__"] {
				g.valid = false
			}
			used["__metadata__"] = true
			continue
		}
		name := genNames[int(g.next())%len(genNames)] + fmt.Sprint(i)
		if i > 0 && g.chance(20) {
			name = genNames[0] + "0" // perhaps a repeated name
		}
		if used[name] {
			g.valid = false
		}
		used[name] = true
		dt := genDTypes[int(g.next())%len(genDTypes)]
		rank := int(g.next() % 4)
		shape := make([]int, rank)
		dims := make([]string, rank)
		numel := 1
		for k := range shape {
			shape[k] = int(g.next() % 4)
			numel *= shape[k]
			dims[k] = fmt.Sprint(shape[k])
			if g.defect(40) {
				dims[k] = badDims[int(g.next())%len(badDims)]
			}
		}
		size := numel * dt.Size()
		begin, end := off, off+size
		if g.defect(20) {
			end += int(g.next()%3) + 1 // offsets that lie
		}
		fields := []string{
			fmt.Sprintf(`"dtype":"%s"`, dt),
			fmt.Sprintf(`"shape":[%s]`, strings.Join(dims, ",")),
			fmt.Sprintf(`"data_offsets":[%d,%d]`, begin, end),
		}
		if g.defect(30) {
			fields[0] = `"dtype":` + badDTypes[int(g.next())%len(badDTypes)]
		}
		switch g.next() % 8 {
		case 0:
			fields = append(fields, `"extra":{"a":[1,2.5e-3,true,null,"s"]}`) // ignored
		case 1:
			fields = append(fields, `"Dtype":"I8"`) // a different field: ignored
		case 2:
			if g.defect(2) {
				fields = append(fields, fields[0]) // a repeated field
			}
		case 3:
			if g.defect(2) {
				fields = fields[1:] // a missing field
			}
		}
		// Permute the fields: order does not matter.
		for k := len(fields) - 1; k > 0; k-- {
			j := int(g.next()) % (k + 1)
			fields[k], fields[j] = fields[j], fields[k]
		}
		fmt.Fprintf(&hdr, `"%s":{%s}`, name, strings.Join(fields, ","))
		g.want[unescape(name)] = genTensor{dt, shape}
		for range size {
			if dt == Bool {
				data = append(data, g.next()%2)
			} else if dt == I64 {
				data = append(data, g.next()%128) // some beyond ±2⁵³: the test allows that error
			} else {
				data = append(data, g.next())
			}
		}
		off = end
	}
	hdr.WriteString("}")
	pad := int(g.next() % 8)
	hdr.WriteString(strings.Repeat(" ", pad))
	if g.defect(40) {
		hdr.WriteString("x")
	}
	if len(data) != off { // lying offsets: the buffer is short
		g.valid = false
	}
	return withHeader(hdr.String(), data)
}

// str returns a metadata string, one with a bad escape 1 time in 30.
func (g *headerGen) str() string {
	if g.defect(30) {
		return badStrs[int(g.next())%len(badStrs)]
	}
	return genStrs[int(g.next())%len(genStrs)]
}

// unescape turns a generated name's JSON escapes into its value.
func unescape(s string) string {
	return strings.NewReplacer(`\"`, `"`, `\u0077`, "w").Replace(s)
}

// FuzzHeader builds structured headers from the fuzz input (see
// headerGen) and checks: Decode never panics and fails only with
// ErrFormat; a header built without defects decodes, with exactly the
// generated names, dtypes and shapes, unless an I64 element is beyond ±2⁵³;
// a header with a defect the reference rejects is rejected; and whatever
// decodes survives WriteTensors and Decode unchanged, as F64 and in its
// own type.
func FuzzHeader(f *testing.F) {
	for _, seed := range []string{
		"", "\x01", "\x02\x01\x00\x02\x03\x02", "\x05\x07\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09",
		"\x03\x00\x01\x00\x01\x00\x00\x01", strings.Repeat("\x01\x02\x03\x04", 40), strings.Repeat("\xff\x00", 50),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		g := &headerGen{in: in}
		b := g.file()
		file, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Decode error %v does not wrap ErrFormat", err)
			}
			if g.valid && !strings.Contains(err.Error(), "beyond ±2⁵³") && !strings.Contains(err.Error(), "not 0 or 1") {
				t.Fatalf("Decode rejected a well-formed file %q: %v", b, err)
			}
			return
		}
		if !g.valid {
			t.Fatalf("Decode accepted a file with a defect: %q", b)
		}
		if len(file.Tensors) != len(g.want) {
			t.Fatalf("got %d tensors, want %d", len(file.Tensors), len(g.want))
		}
		for name, w := range g.want {
			got := file.Tensors[name]
			if got == nil || file.DTypes[name] != w.dtype || !slices.Equal(got.Shape(), w.shape) {
				t.Fatalf("tensor %q: got %s %v, want %s %v", name, file.DTypes[name], got, w.dtype, w.shape)
			}
		}
		var buf bytes.Buffer
		if err := WriteTensors(&buf, file.Tensors, file.Metadata, F64); err != nil {
			t.Fatalf("WriteTensors of a decoded file: %v", err)
		}
		back, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		for name, want := range file.Tensors {
			if got := back.Tensors[name]; got == nil || !slices.Equal(got.Shape(), want.Shape()) || !sameBits(got.Data(), want.Float64s()) {
				t.Fatalf("tensor %q changed in a round trip", name)
			}
		}
		checkOwnTypeRoundTrip(t, file)
	})
}

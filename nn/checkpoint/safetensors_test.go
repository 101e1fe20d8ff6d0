package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/tensor"
)

// sharedDir holds the files PyTorch 2.11 wrote with safetensors 0.8.0
// (copied from shared/data/safetensors, with their manifest and script).
const sharedDir = "testdata/torch"

// manifest is manifest.json: every tensor's dtype, shape and exact values.
type manifest struct {
	Files map[string]struct {
		Metadata map[string]string
		Tensors  map[string]struct {
			DType  string
			Shape  []int
			Values []float64
		}
		Probe *struct {
			Input       []float64
			InputShape  []int `json:"input_shape"`
			Output      []float64
			OutputShape []int `json:"output_shape"`
		}
	}
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// torchDTypes maps manifest dtype names to safetensors ones.
var torchDTypes = map[string]DType{"float64": F64, "float32": F32, "float16": F16, "bfloat16": BF16, "int64": I64}

// TestReadTorchFiles reads every file PyTorch wrote and compares each tensor
// with the manifest exactly: an F32 tensor is read as a tensor.Float32
// tensor and every other dtype widens to tensor.Float64, without rounding
// either way, so no tolerance is needed.
func TestReadTorchFiles(t *testing.T) {
	m := readManifest(t)
	if len(m.Files) != 4 {
		t.Fatalf("manifest lists %d files, want 4", len(m.Files))
	}
	for name, want := range m.Files {
		t.Run(name, func(t *testing.T) {
			f, err := ReadFile(filepath.Join(sharedDir, name))
			if err != nil {
				t.Fatal(err)
			}
			wantMD := want.Metadata
			if wantMD == nil {
				wantMD = map[string]string{}
			}
			if diff := cmp.Diff(wantMD, f.Metadata); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
			if len(f.Tensors) != len(want.Tensors) {
				t.Errorf("got %d tensors, want %d", len(f.Tensors), len(want.Tensors))
			}
			for tn, wt := range want.Tensors {
				got := f.Tensors[tn]
				if got == nil {
					t.Errorf("tensor %q missing", tn)
					continue
				}
				if diff := cmp.Diff(wt.Shape, got.Shape()); diff != "" {
					t.Errorf("%s shape (-want +got):\n%s", tn, diff)
				}
				if want := map[string]tensor.DType{"float32": tensor.Float32}[wt.DType]; got.DType() != want {
					t.Errorf("%s is a %v tensor, want %v", tn, got.DType(), want)
				}
				if diff := cmp.Diff(wt.Values, got.Float64s(), cmp.Comparer(func(a, b []float64) bool { return len(a) == 0 && len(b) == 0 || sameBits(a, b) })); diff != "" {
					t.Errorf("%s values (-want +got):\n%s", tn, diff)
				}
				if f.DTypes[tn] != torchDTypes[wt.DType] {
					t.Errorf("%s dtype %s, want %s", tn, f.DTypes[tn], torchDTypes[wt.DType])
				}
			}
		})
	}
}

// TestWriteReadRoundTrip writes tensors in each float dtype and reads them
// back. F64 is exact; the narrower types must equal float32/float16/bfloat16
// rounding of the value, checked on values each type holds exactly (so the
// expected result is the value itself) and on one that needs rounding. F32
// reads back as tensor.Float32 tensors, every other type as tensor.Float64.
func TestWriteReadRoundTrip(t *testing.T) {
	exact := []float64{0, 1, -2.5, 0.125, 3, -0.0078125, 65504}
	ts := map[string]*tensor.Tensor{
		"a":       tensor.New(exact, 7),
		"scalar":  tensor.Scalar(-1.5),
		"empty":   tensor.Zeros(0, 3),
		"x.y.z":   tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3),
		"bounded": tensor.New([]float64{math.Inf(1), math.Inf(-1)}, 2),
	}
	md := map[string]string{"format": "pt", "k": "v \"quoted\""}
	for _, dt := range []DType{F64, F32, F16, BF16} {
		t.Run(string(dt), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTensors(&buf, ts, md, dt); err != nil {
				t.Fatal(err)
			}
			n := binary.LittleEndian.Uint64(buf.Bytes())
			if n%8 != 0 {
				t.Errorf("header length %d is not a multiple of 8", n)
			}
			f, err := Decode(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(md, f.Metadata); diff != "" {
				t.Errorf("metadata (-want +got):\n%s", diff)
			}
			for name, want := range ts {
				got := f.Tensors[name]
				w := want.Data()
				if dt == BF16 && name == "a" {
					w = []float64{0, 1, -2.5, 0.125, 3, -0.0078125, 65536} // 65504 rounds to 2¹⁶ in bfloat16's 8-bit mantissa
				}
				if diff := cmp.Diff(want.Shape(), got.Shape()); diff != "" {
					t.Errorf("%s shape (-want +got):\n%s", name, diff)
				}
				if want := map[DType]tensor.DType{F32: tensor.Float32}[dt]; got.DType() != want {
					t.Errorf("%s is a %v tensor, want %v", name, got.DType(), want)
				}
				if diff := cmp.Diff(w, got.Float64s()); len(w) > 0 && diff != "" {
					t.Errorf("%s values (-want +got):\n%s", name, diff)
				}
				if f.DTypes[name] != dt {
					t.Errorf("%s dtype %s, want %s", name, f.DTypes[name], dt)
				}
			}
		})
	}
}

// TestNarrowRounding checks the float16 and bfloat16 encoders against exact
// bit patterns (IEEE 754 round to nearest even; patterns from the standard).
func TestNarrowRounding(t *testing.T) {
	tests := []struct {
		v        float64
		f16, b16 uint16
	}{
		{1, 0x3c00, 0x3f80},
		{-2, 0xc000, 0xc000},
		{65504, 0x7bff, 0x4780},
		{65520, 0x7c00, 0x4780},                  // half overflows to +Inf at the rounding boundary
		{math.Ldexp(1, -24), 0x0001, 0x3380},     // the smallest half subnormal
		{math.Ldexp(1, -25), 0x0000, 0x3300},     // a tie to even: rounds to 0
		{1 + math.Ldexp(1, -11), 0x3c00, 0x3f80}, // tie to even below
		{1 + 3*math.Ldexp(1, -11), 0x3c02, 0x3f80},
		{math.Inf(-1), 0xfc00, 0xff80},
	}
	for _, tc := range tests {
		if got := floatToHalf(tc.v); got != tc.f16 {
			t.Errorf("floatToHalf(%g) = %#04x, want %#04x", tc.v, got, tc.f16)
		}
		if got := floatToBF16(tc.v); got != tc.b16 {
			t.Errorf("floatToBF16(%g) = %#04x, want %#04x", tc.v, got, tc.b16)
		}
		if h := floatToHalf(tc.v); !math.IsInf(halfToFloat(h), 0) && halfToFloat(h) != float64(float32(halfToFloat(h))) {
			t.Errorf("halfToFloat(%#04x) is not a float32", h)
		}
	}
	if !math.IsNaN(halfToFloat(floatToHalf(math.NaN()))) {
		t.Error("NaN did not survive float16")
	}
}

type badFile struct {
	name string
	data []byte
	want string // a piece of the error message
}

// f64Entry is a valid one-tensor header for "w" of shape (2) in F64.
const f64Entry = `{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`

// badFiles are malformed files, each with what the error must name.
func badFiles() []badFile {
	data16 := make([]byte, 16)
	good := withHeader(f64Entry, data16)
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	return []badFile{
		{"empty file", nil, "too short"},
		{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, "too short"},
		{"huge header length", append(huge, '{', '}'), "header length 4611686018427387904"},
		{"header longer than file", good[:20], "exceeds the file"},
		{"truncated data", good[:len(good)-3], "run past the data buffer"},
		{"trailing bytes", append(append([]byte{}, good...), 0), "data buffer has 17 bytes"},
		{"not json", withHeader("hello   ", nil), "not a JSON object"},
		{"json array", withHeader("[1,2]   ", nil), "not a JSON object"},
		{"unterminated json", withHeader(`{"w":{`, nil), "header JSON"},
		{"garbage after json", withHeader(`{}x`, nil), "after its JSON object"},
		{"invalid utf8", withHeader("{\"\xff\":1}", nil), "UTF-8"},
		{"duplicate name", withHeader(`{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"w":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`, data16), `names "w" twice`},
		{"missing dtype", withHeader(`{"w":{"shape":[2],"data_offsets":[0,16]}}`, data16), "needs dtype, shape and data_offsets"},
		{"unknown dtype", withHeader(`{"w":{"dtype":"C64","shape":[2],"data_offsets":[0,16]}}`, data16), `dtype "C64" is not supported`},
		{"dtype not a string", withHeader(`{"w":{"dtype":7,"shape":[2],"data_offsets":[0,16]}}`, data16), `tensor "w"`},
		{"negative dim", withHeader(`{"w":{"dtype":"F64","shape":[-2],"data_offsets":[0,16]}}`, data16), `tensor "w"`},
		{"fractional dim", withHeader(`{"w":{"dtype":"F64","shape":[1.5],"data_offsets":[0,16]}}`, data16), `tensor "w"`},
		{"huge shape", withHeader(`{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,16]}}`, data16), "over 2³¹"},
		{"element count overflow", withHeader(`{"w":{"dtype":"F64","shape":[65536,65536],"data_offsets":[0,16]}}`, data16), "more than 2³¹ elements"},
		{"size lies", withHeader(`{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,16]}}`, data16), "hold 16 bytes but F64 [3] needs 24"},
		{"offsets reversed", withHeader(`{"w":{"dtype":"F64","shape":[0],"data_offsets":[16,0]}}`, data16), "end before they begin"},
		{"three offsets", withHeader(`{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8,16]}}`, data16), "must be [begin, end]"},
		{"offset past end", withHeader(`{"w":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}`, data16), "run past the data buffer"},
		{"overlap", withHeader(`{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`, data16), "overlap"},
		{"gap", withHeader(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`, data16), "gap"},
		{"metadata not strings", withHeader(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"empty name", withHeader(`{"":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}`, data16), "empty name"},
		{"huge I64", withHeader(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, binary.LittleEndian.AppendUint64(nil, 1<<60)), "beyond ±2⁵³"},
		{"bad bool", withHeader(`{"w":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, []byte{2}), "not 0 or 1"},
	}
}

// TestDecodeBad checks that each malformed file gives an error wrapping
// ErrFormat whose message says what is wrong, and no panic.
func TestDecodeBad(t *testing.T) {
	for _, tc := range badFiles() {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Decode(tc.data)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Decode = %v, %v; want an error wrapping ErrFormat", f, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			// ReadTensors and ReadFile agree with Decode.
			if _, err2 := ReadTensors(bytes.NewReader(tc.data)); !errors.Is(err2, ErrFormat) {
				t.Errorf("ReadTensors = %v; want an error wrapping ErrFormat", err2)
			}
			p := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err3 := ReadFile(p); !errors.Is(err3, ErrFormat) || !strings.Contains(err3.Error(), p) {
				t.Errorf("ReadFile = %v; want an error wrapping ErrFormat naming the path", err3)
			}
		})
	}
}

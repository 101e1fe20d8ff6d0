package tensor_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// This file compares the float32 reductions, statistics, scans and softmax
// with PyTorch float32 on hard inputs (sums of a million values of mixed
// magnitude, variances at a large mean, norms of huge and tiny values,
// logits spanning ±80, long running sums). testdata/torch_f32.py records,
// for each case, PyTorch's float32 outputs and the exact value of each
// (mpmath, or math.fsum where that is exact) for the same float32 inputs,
// in testdata/torch_f32.json; the inputs themselves are regenerated here
// from the same formula (torch32Input), checked by their CRC-32.

// torch32Case is one case of testdata/torch_f32.json.
type torch32Case struct {
	Name  string             `json:"name"`
	Op    string             `json:"op"`
	Args  map[string]float64 `json:"args"`
	Input struct {
		Formula string  `json:"formula"`
		Seed    uint64  `json:"seed"`
		Shape   []int   `json:"shape"`
		A       float64 `json:"a"`
		B       float64 `json:"b"`
	} `json:"input"`
	CRC32 uint32      `json:"crc32"`
	Torch []jsonFloat `json:"torch"` // PyTorch float32's outputs (widened)
	Exact []float64   `json:"exact"` // the exact outputs, rounded to float64
	Index []int       `json:"index"` // which outputs (flat) were recorded; all when empty
}

// jsonFloat is a float64 that JSON may also give as "+Inf", "-Inf" or
// "NaN" (PyTorch's float32 norm of values of 1e30 overflows to +Inf).
type jsonFloat float64

// UnmarshalJSON reads a number or one of the three strings.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	default:
		return json.Unmarshal(b, (*float64)(f))
	}
	return nil
}

// torch32Ops computes each case's op on x with the argument it records;
// the names are the JSON's "op".
var torch32Ops = map[string]func(x *tensor.Tensor, args map[string]float64) *tensor.Tensor{
	"sum":  func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.Sum(x) },
	"mean": func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.Mean(x) },
	"var": func(x *tensor.Tensor, a map[string]float64) *tensor.Tensor {
		return tensor.Variance(x, tensor.Correction(a["correction"]))
	},
	"std": func(x *tensor.Tensor, a map[string]float64) *tensor.Tensor {
		return tensor.Std(x, tensor.Correction(a["correction"]))
	},
	"var_rows": func(x *tensor.Tensor, a map[string]float64) *tensor.Tensor {
		return tensor.Variance(x, tensor.Correction(a["correction"]), 1)
	},
	"norm":             func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.Norm(x) },
	"logsumexp_rows":   func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.LogSumExp(x, 1) },
	"softmax_rows":     func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.Softmax(x, 1) },
	"log_softmax_rows": func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.LogSoftmax(x, 1) },
	"cumsum":           func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.CumSum(x, 0) },
	"logcumsumexp":     func(x *tensor.Tensor, _ map[string]float64) *tensor.Tensor { return tensor.LogCumSumExp(x, 1) },
}

// splitmix returns gen(seed, n) of /work/shared/bench/WORKLOADS.md: n
// doubles in [0, 1), splitmix64's finaliser of seed·G + i·G for i = 1..n,
// the top 53 bits scaled by 2⁻⁵³ (torch_f32.py's gen).
func splitmix(seed uint64, n int) []float64 {
	const g = 0x9E3779B97F4A7C15
	out := make([]float64, n)
	for i := range out {
		z := seed*g + uint64(i+1)*g
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		out[i] = float64(z>>11) / (1 << 53)
	}
	return out
}

// torch32Scales are the magnitudes of the "mixed" formula.
var torch32Scales = [13]float64{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}

// torch32Input makes a case's float32 input by torch_f32.py's formulas
// (u = gen(seed, n), v = gen(seed+1, n); float64 arithmetic, each
// operation rounded as numpy rounds it, then one rounding to float32):
// affine x = a + b·(u − 0.5), mixed x = (2u − 1)·S[⌊13v⌋].
func torch32Input(t *testing.T, c torch32Case) *tensor.Tensor {
	t.Helper()
	n := 1
	for _, d := range c.Input.Shape {
		n *= d
	}
	u := splitmix(c.Input.Seed, n)
	x := make([]float32, n)
	switch c.Input.Formula {
	case "affine":
		for i, ui := range u {
			x[i] = float32(c.Input.A + float64(c.Input.B*(ui-0.5)))
		}
	case "mixed":
		v := splitmix(c.Input.Seed+1, n)
		for i, ui := range u {
			x[i] = float32(float64(2*ui-1) * torch32Scales[int(math.Floor(13*v[i]))])
		}
	default:
		t.Fatalf("unknown formula %q", c.Input.Formula)
	}
	b := make([]byte, 4*n)
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if got := crc32.ChecksumIEEE(b); got != c.CRC32 {
		t.Fatalf("input CRC-32 %d, want %d: the Go and Python generators disagree", got, c.CRC32)
	}
	return tensor.New32(x, c.Input.Shape...)
}

// ulp32 is the spacing of the float32 numbers at |v|: the gap from
// float32(|v|) to the next float32 up (2⁻¹⁴⁹ below the normal range).
func ulp32(v float64) float64 {
	f := float32(math.Abs(v))
	return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
}

// TestTorchFloat32 asserts, for each recorded output, that our float32
// error against the exact value is at most PyTorch float32's error or one
// float32 ulp of the exact value, whichever is larger: we must never be
// less accurate than PyTorch, and where PyTorch is correctly rounded we may
// round the other way only from a float64 value within 2⁻²⁹ ulp of a
// midpoint. It logs both errors in float32 ulps (of the exact value), so
// `go test -v -run TestTorchFloat32` shows the comparison.
func TestTorchFloat32(t *testing.T) {
	b, err := os.ReadFile("testdata/torch_f32.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Torch string        `json:"torch"`
		Cases []torch32Case `json:"cases"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in testdata/torch_f32.json")
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			f, ok := torch32Ops[c.Op]
			if !ok {
				t.Fatalf("unknown op %q", c.Op)
			}
			if len(c.Torch) != len(c.Exact) {
				t.Fatalf("%d torch outputs but %d exact ones", len(c.Torch), len(c.Exact))
			}
			y := f(torch32Input(t, c), c.Args)
			if y.DType() != tensor.Float32 {
				t.Fatalf("got a %v result, want float32", y.DType())
			}
			got := y.Data32()
			if len(c.Index) > 0 {
				sel := make([]float32, len(c.Index))
				for i, k := range c.Index {
					sel[i] = got[k]
				}
				got = sel
			}
			if len(got) != len(c.Exact) {
				t.Fatalf("got %d outputs, want %d", len(got), len(c.Exact))
			}
			var oursMax, torchMax float64 // in ulps of the exact value
			rounded := 0                  // outputs equal to the exact value rounded to float32
			for i, ex := range c.Exact {
				ours, theirs := math.Abs(float64(got[i])-ex), math.Abs(float64(c.Torch[i])-ex)
				u := ulp32(ex)
				oursMax, torchMax = max(oursMax, ours/u), max(torchMax, theirs/u)
				if got[i] == float32(ex) {
					rounded++
				}
				if ours > max(theirs, u) {
					t.Errorf("output %d: got %v, error %.3g (%.3g ulp); PyTorch %v, error %.3g; exact %v",
						i, got[i], ours, ours/u, c.Torch[i], theirs, ex)
				}
			}
			t.Logf("%d outputs: max error %.3g ulp (torch %s: %.3g ulp); %d of them the exact value rounded",
				len(got), oursMax, file.Torch, torchMax, rounded)
		})
	}
}

// ExampleSum_float32 shows float32 accumulating in float64: a million
// copies of 0.1f sum to 100000.0016 exactly (0.1f is 0.100000001490116…),
// which rounds to 100000 in float32, where a float32 running sum drifts to
// about 100958 (PyTorch's pairwise float32 sum gets within a few ulps).
func ExampleSum_float32() {
	x := tensor.Float32.Full(0.1, 1000000)
	var naive float32
	for _, v := range x.Data32() {
		naive += v
	}
	fmt.Println(tensor.Sum(x).Item(), tensor.Sum(x).DType())
	fmt.Printf("%.0f\n", naive)
	// Output:
	// 100000 float32
	// 100958
}

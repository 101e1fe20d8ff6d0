package tensor_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// A ew32Op is one exported function of the element-wise files, called on
// float32 operands and on the same values widened to float64. f gets the
// destination (nil unless to is set) and the operands.
type ew32Op struct {
	name string // the function, as in the row names
	op   string // the op its panics name
	to   bool   // f writes into dst, of the broadcast shape of the operands (or out)
	out  []int  // dst's shape when it is not the operands' broadcast
	ulps int    // 0: float32 result = float64 result rounded, bit for bit; 1: within 1 ulp
	gen  func(rng *rand.Rand) float64
	f    func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor
	// shapes are the operand shape sets to try; nil means the op's kind's
	// default (unaryShapes, binaryShapes).
	shapes [][][]int
	// mixedOK lists operands that may have the other type (Where's cond).
	mixedOK []int
}

// unaryShapes are a 0-d scalar, a 1-vector and 67 elements (past two
// 32-float vectors of ReLU32's assembly, with a 3-float tail).
var unaryShapes = [][][]int{{{}}, {{1}}, {{67}}, {{2, 3, 5}}}

// binaryShapes reach each of binaryLoop's paths: equal lengths, a scalar
// on either side, a bias row, and the general broadcast walk (and 0-d and
// 1-vector pairs, which the float64 path handles before broadcasting).
var binaryShapes = [][][]int{
	{{}, {}}, {{1}, {1}}, {{3, 4}, {3, 4}}, {{3, 4}, {}}, {{}, {3, 4}}, {{1}, {3, 4}},
	{{2, 3, 4}, {4}}, {{2, 3, 4}, {1, 3, 4}}, {{3, 1}, {1, 4}}, {{2, 1, 4}, {3, 1}},
}

// specials32 are the values every generator mixes in: signed zeros,
// infinities, NaN, a float32 subnormal, the largest float32 and 1.
var specials32 = []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
	1e-40, -1e-40, math.MaxFloat32, 1, -1}

// normal3 draws 3·N(0, 1), one time in eight a special.
func normal3(rng *rand.Rand) float64 {
	if rng.IntN(8) == 0 {
		return specials32[rng.IntN(len(specials32))]
	}
	return 3 * rng.NormFloat64()
}

// positive draws from (0, 10) and, one time in eight, a special of any sign.
func positive(rng *rand.Rand) float64 {
	if rng.IntN(8) == 0 {
		return specials32[rng.IntN(len(specials32))]
	}
	return 10 * rng.Float64()
}

// Scalars of the ops that take one, each exactly a float32 so that the
// float64 reference sees the value the float32 op rounds it to.
const (
	c32     = 0.375
	slope32 = 0.015625
	lo32    = -1.5
	hi32    = 2.25
)

func un(name string, ulps int, f func(x *tensor.Tensor) *tensor.Tensor) ew32Op {
	return ew32Op{name: name, op: "tensor." + name, ulps: ulps, gen: normal3,
		f: func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return f(xs[0]) }}
}

func unTo(name, op string, ulps int, f func(dst, x *tensor.Tensor) *tensor.Tensor) ew32Op {
	return ew32Op{name: name, op: op, to: true, ulps: ulps, gen: normal3,
		f: func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return f(dst, xs[0]) }}
}

func bin(name string, ulps int, f func(a, b *tensor.Tensor) *tensor.Tensor) ew32Op {
	return ew32Op{name: name, op: "tensor." + name, ulps: ulps, gen: normal3, shapes: binaryShapes,
		f: func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return f(xs[0], xs[1]) }}
}

func binTo(name, op string, ulps int, f func(dst, a, b *tensor.Tensor) *tensor.Tensor) ew32Op {
	return ew32Op{name: name, op: op, to: true, ulps: ulps, gen: normal3, shapes: binaryShapes,
		f: func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return f(dst, xs[0], xs[1]) }}
}

func withGen(o ew32Op, gen func(*rand.Rand) float64) ew32Op { o.gen = gen; return o }

// ew32Ops has a row for every exported function of binary.go,
// broadcast.go, unary.go and special.go that takes a tensor (the shape
// functions BroadcastShapes and CanBroadcastTo take none). Tolerances:
// + − × ÷, √ and the exact operations (comparisons, max, min, selection,
// sign, copies, sums accumulated in float64 in the same order) give the
// float64 result rounded, bit for bit, since rounding a float64 +, −, ×, ÷
// or √ of float32s to float32 is the correctly rounded float32 result
// (double rounding is innocuous when 53 ≥ 2·24 + 2); the functions
// computed in float64 and rounded are held to 1 ulp, the common notes'
// bound (they too agree bit for bit today, being that very computation).
var ew32Ops = []ew32Op{
	bin("Add", 0, tensor.Add), bin("Sub", 0, tensor.Sub), bin("Mul", 0, tensor.Mul), bin("Div", 0, tensor.Div),
	withGen(bin("Pow", 1, tensor.Pow), positive),
	bin("Maximum", 0, tensor.Maximum), bin("Minimum", 0, tensor.Minimum),
	bin("Greater", 0, tensor.Greater), bin("GreaterEqual", 0, tensor.GreaterEqual),
	bin("Less", 0, tensor.Less), bin("LessEqual", 0, tensor.LessEqual),
	bin("Equal", 0, tensor.Equal), bin("NotEqual", 0, tensor.NotEqual),
	bin("Hypot", 1, tensor.Hypot),
	binTo("AddTo", "tensor.Add", 0, tensor.AddTo), binTo("SubTo", "tensor.Sub", 0, tensor.SubTo),
	binTo("MulTo", "tensor.Mul", 0, tensor.MulTo), binTo("DivTo", "tensor.Div", 0, tensor.DivTo),
	withGen(binTo("PowTo", "tensor.Pow", 1, tensor.PowTo), positive),
	binTo("MaximumTo", "tensor.Maximum", 0, tensor.MaximumTo), binTo("MinimumTo", "tensor.Minimum", 0, tensor.MinimumTo),
	binTo("GreaterTo", "tensor.Greater", 0, tensor.GreaterTo), binTo("EqualTo", "tensor.Equal", 0, tensor.EqualTo),
	binTo("HypotTo", "tensor.Hypot", 1, tensor.HypotTo),
	{name: "Where", op: "tensor.Where", gen: normal3, mixedOK: []int{0},
		shapes: [][][]int{{{3, 4}, {3, 4}, {3, 4}}, {{3, 1}, {4}, {}}, {{}, {2, 1}, {1, 3}}},
		f: func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Where(tensor.Greater(xs[0], tensor.ZerosLike(xs[0])), xs[1], xs[2])
		}},
	{name: "WhereTo", op: "tensor.Where", to: true, gen: normal3, mixedOK: []int{0},
		shapes: [][][]int{{{3, 4}, {3, 4}, {3, 4}}, {{3, 1}, {4}, {}}},
		f: func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.WhereTo(dst, xs[0], xs[1], xs[2])
		}},
	{name: "AddScaledTo", op: "tensor.AddScaledTo", ulps: 0, gen: normal3,
		// float64 accumulation of the exact product: the float64 result rounded.
		shapes: [][][]int{{{}, {}}, {{67}, {67}}, {{2, 3}, {6}}},
		f: func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.AddScaledTo(xs[0].Copy(), -c32, xs[1])
		}},
	{name: "BroadcastTo", op: "tensor.BroadcastTo", gen: normal3,
		shapes: [][][]int{{{}}, {{4}}, {{3, 1}}, {{2, 3, 4}}},
		f:      func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return tensor.BroadcastTo(xs[0], 2, 3, 4) }},
	{name: "ExpandTo", op: "tensor.BroadcastTo", to: true, out: []int{2, 3, 4}, gen: normal3,
		shapes: [][][]int{{{}}, {{4}}, {{3, 1}}, {{2, 3, 4}}},
		f:      func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return tensor.ExpandTo(dst, xs[0]) }},
	sumToRow(3, 1), sumToRow(), sumToRow(4), sumToRow(1, 3, 4), sumToRow(2, 3, 4),
	// More than reduceSum32's 512 stack accumulators: the pooled ones.
	{name: "SumTo", op: "tensor.SumTo", gen: normal3, shapes: [][][]int{{{3, 600}}},
		f: func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return tensor.SumTo(xs[0], 600) }},
	{name: "ReduceSumTo", op: "tensor.SumTo", to: true, out: []int{3, 1}, gen: normal3,
		shapes: [][][]int{{{2, 3, 4}}, {{3, 4}}, {{3, 1}}},
		f:      func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return tensor.ReduceSumTo(dst, xs[0]) }},
	un("Map", 1, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Map(x, math.Cbrt) }),
	unTo("MapTo", "tensor.Map", 1, func(dst, x *tensor.Tensor) *tensor.Tensor { return tensor.MapTo(dst, x, math.Cbrt) }),
	un("Neg", 0, tensor.Neg), un("Exp", 1, tensor.Exp), withGen(un("Log", 1, tensor.Log), positive),
	withGen(un("Sqrt", 0, tensor.Sqrt), positive), un("Abs", 0, tensor.Abs), un("Square", 0, tensor.Square),
	un("Sign", 0, tensor.Sign), un("Tanh", 1, tensor.Tanh), un("Sigmoid", 1, tensor.Sigmoid),
	un("ReLU", 0, tensor.ReLU), unTo("ReLUTo", "tensor.ReLU", 0, tensor.ReLUTo),
	{name: "ReLUBackwardTo", op: "tensor.ReLUBackward", to: true, gen: normal3,
		shapes: [][][]int{{{}, {}}, {{67}, {67}}, {{2, 3, 5}, {2, 3, 5}}},
		f: func(dst *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor {
			return tensor.ReLUBackwardTo(dst, xs[0], xs[1])
		}},
	un("Step", 0, tensor.Step), un("Softplus", 1, tensor.Softplus),
	un("LeakyReLU", 0, func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, slope32) }),
	unTo("LeakyReLUTo", "tensor.LeakyReLU", 0, func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLUTo(d, x, slope32) }),
	un("Clamp", 0, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Clamp(x, lo32, hi32) }),
	unTo("ClampTo", "tensor.Clamp", 0, func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.ClampTo(d, x, lo32, hi32) }),
	un("Scale", 0, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Scale(x, c32) }),
	unTo("ScaleTo", "tensor.Scale", 0, func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.ScaleTo(d, x, c32) }),
	un("AddScalar", 0, func(x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalar(x, c32) }),
	unTo("AddScalarTo", "tensor.AddScalar", 0, func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.AddScalarTo(d, x, c32) }),
	// PowScalar's fast paths (1, 2, ½, −1: copies, x², √ and 1/x, exact)
	// and math.Pow (1 ulp).
	powScalarRow(1, 0), powScalarRow(2, 0), powScalarRow(0.5, 0), powScalarRow(-1, 0),
	powScalarRow(2.5, 1), powScalarRow(-3, 1),
	unTo("PowScalarTo", "tensor.PowScalar", 0, func(d, x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalarTo(d, x, 2) }),
	un("Sin", 1, tensor.Sin), unTo("SinTo", "tensor.Sin", 1, tensor.SinTo),
	un("Cos", 1, tensor.Cos), unTo("CosTo", "tensor.Cos", 1, tensor.CosTo),
	un("Tan", 1, tensor.Tan), unTo("TanTo", "tensor.Tan", 1, tensor.TanTo),
	un("Atan", 1, tensor.Atan), unTo("AtanTo", "tensor.Atan", 1, tensor.AtanTo),
	un("Asinh", 1, tensor.Asinh), unTo("AsinhTo", "tensor.Asinh", 1, tensor.AsinhTo),
	withGen(un("Log1p", 1, tensor.Log1p), positive), withGen(unTo("Log1pTo", "tensor.Log1p", 1, tensor.Log1pTo), positive),
	un("Expm1", 1, tensor.Expm1), unTo("Expm1To", "tensor.Expm1", 1, tensor.Expm1To),
	un("Erf", 1, tensor.Erf), unTo("ErfTo", "tensor.Erf", 1, tensor.ErfTo),
	un("Erfc", 1, tensor.Erfc), unTo("ErfcTo", "tensor.Erfc", 1, tensor.ErfcTo),
	un("GELU", 1, tensor.GELU), unTo("GELUTo", "tensor.GELU", 1, tensor.GELUTo),
	un("GELUTanh", 1, tensor.GELUTanh), unTo("GELUTanhTo", "tensor.GELUTanh", 1, tensor.GELUTanhTo),
	un("SiLU", 1, tensor.SiLU), unTo("SiLUTo", "tensor.SiLU", 1, tensor.SiLUTo),
	un("Softsign", 1, tensor.Softsign), unTo("SoftsignTo", "tensor.Softsign", 1, tensor.SoftsignTo),
}

// sumToRow is SumTo to shape from operands of shape [2, 3, 4]: exact, its
// float32 sums being float64 sums (in the float64 order) rounded.
func sumToRow(shape ...int) ew32Op {
	return ew32Op{name: "SumTo", op: "tensor.SumTo", gen: normal3, shapes: [][][]int{{{2, 3, 4}}},
		f: func(_ *tensor.Tensor, xs ...*tensor.Tensor) *tensor.Tensor { return tensor.SumTo(xs[0], shape...) }}
}

// powScalarRow is PowScalar(x, p) on positive x (with specials).
func powScalarRow(p float64, ulps int) ew32Op {
	o := un("PowScalar", ulps, func(x *tensor.Tensor) *tensor.Tensor { return tensor.PowScalar(x, p) })
	o.gen = positive
	return o
}

// shapesOf returns the operand shape sets of o.
func shapesOf(o ew32Op) [][][]int {
	if o.shapes != nil {
		return o.shapes
	}
	return unaryShapes
}

// dstShape is the shape of o's dst for operands of shapes shs.
func dstShape(o ew32Op, shs [][]int) []int {
	if o.out != nil {
		return o.out
	}
	s := []int{}
	for _, sh := range shs {
		var ok bool
		if s, ok = tensor.BroadcastShapes(s, sh); !ok {
			panic(fmt.Sprintf("%s: operand shapes %v do not broadcast", o.name, shs))
		}
	}
	return s
}

// call runs o on xs, making dst of type d first for a To function.
func call(o ew32Op, d tensor.DType, shs [][]int, xs []*tensor.Tensor) *tensor.Tensor {
	var dst *tensor.Tensor
	if o.to {
		dst = d.Zeros(dstShape(o, shs)...)
	}
	return o.f(dst, xs...)
}

// ulpDiff32 is the distance of a and b in float32 steps (0 for two NaNs,
// and for ±0 against each other only when bits are not compared), or -1 if
// one is NaN and the other not.
func ulpDiff32(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return -1
	}
	ord := func(x float32) int64 { // a monotone map of float32 onto the integers
		b := int64(math.Float32bits(x))
		if b&0x80000000 != 0 {
			return -(b & 0x7FFFFFFF)
		}
		return b
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// TestFloat32AgreesWithFloat64 runs every row of ew32Ops on float32
// operands drawn in float64 and rounded, and on those rounded values
// widened back to float64; the float32 result must be a Float32 tensor of
// the float64 result's shape whose elements are the float64 ones rounded:
// bit for bit (NaN as any NaN) for ulps = 0, within ulps float32 steps
// otherwise.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 64))
	for _, o := range ew32Ops {
		for _, shs := range shapesOf(o) {
			t.Run(fmt.Sprint(o.name, shs), func(t *testing.T) {
				x32 := make([]*tensor.Tensor, len(shs))
				x64 := make([]*tensor.Tensor, len(shs))
				for i, sh := range shs {
					v := tensor.Zeros(sh...)
					for j := range v.Data() {
						v.Data()[j] = o.gen(rng)
					}
					x32[i] = v.To(tensor.Float32)
					x64[i] = x32[i].To(tensor.Float64)
				}
				got := call(o, tensor.Float32, shs, x32)
				want := call(o, tensor.Float64, shs, x64)
				if got.DType() != tensor.Float32 {
					t.Fatalf("got a %v result, want float32", got.DType())
				}
				if d := cmp.Diff(want.Shape(), got.Shape()); d != "" {
					t.Fatalf("shape (-want +got):\n%s", d)
				}
				g := got.Data32()
				for i, w := range want.Data() {
					w32 := float32(w)
					bad := false
					if o.ulps == 0 {
						bad = math.Float32bits(w32) != math.Float32bits(g[i]) && !(w32 != w32 && g[i] != g[i])
					} else {
						d := ulpDiff32(w32, g[i])
						bad = d < 0 || d > int64(o.ulps)
					}
					if bad {
						t.Errorf("element %d: got %v (%#x), want %v (%#x) = float32(%v), inputs %v",
							i, g[i], math.Float32bits(g[i]), w32, math.Float32bits(w32), w, x64)
					}
				}
				// Every operand must be left unchanged (AddScaledTo's
				// dst is a copy).
				for i := range x32 {
					if d := cmp.Diff(x64[i].Data(), x32[i].Float64s(), cmpopts.EquateNaNs()); d != "" {
						t.Errorf("operand %d changed (-before +after):\n%s", i, d)
					}
				}
			})
		}
	}
}

// TestFloat32MixedTypesPanic calls every row with one operand (or the To
// functions' dst) of the other type: each must panic with ErrDType naming
// the op and both types. Where's cond may be of either type, so those rows
// must not panic.
func TestFloat32MixedTypesPanic(t *testing.T) {
	for _, o := range ew32Ops {
		shs := shapesOf(o)[len(shapesOf(o))-1]
		if len(shs) == 1 && !o.to {
			continue // one tensor: its type is the result's, nothing to mix
		}
		for k := -1; k < len(shs); k++ { // k = −1: dst is the odd one out
			if k == -1 && !o.to {
				continue
			}
			for _, base := range []tensor.DType{tensor.Float32, tensor.Float64} {
				other := tensor.Float64
				if base == tensor.Float64 {
					other = tensor.Float32
				}
				name := fmt.Sprintf("%s/%v with operand %d %v", o.name, base, k, other)
				if k == -1 {
					name = fmt.Sprintf("%s/%v with dst %v", o.name, base, other)
				}
				t.Run(name, func(t *testing.T) {
					xs := make([]*tensor.Tensor, len(shs))
					for i, sh := range shs {
						d := base
						if i == k {
							d = other
						}
						xs[i] = d.Full(0.5, sh...)
					}
					dt := base
					if k == -1 {
						dt = other
					}
					f := func() { call(o, dt, shs, xs) }
					if slices.Contains(o.mixedOK, k) {
						if err := tapegradtest.Catch(f); err != nil {
							t.Errorf("got panic %v, want none (operand %d may be of either type)", err, k)
						}
						return
					}
					tapegradtest.CheckPanic(t, f, tensor.ErrDType, o.op, "float32", "float64")
				})
			}
		}
	}
}

// TestFloat32CoversAPI checks that ew32Ops has a row for every exported
// function of the element-wise files, so a new one cannot skip float32.
func TestFloat32CoversAPI(t *testing.T) {
	rows := map[string]bool{"BroadcastShapes": true, "CanBroadcastTo": true} // shapes only, no tensors
	for _, o := range ew32Ops {
		rows[o.name] = true
	}
	fset := token.NewFileSet()
	for _, file := range []string{"binary.go", "binary32.go", "broadcast.go", "unary.go", "special.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() && !rows[fd.Name.Name] {
				t.Errorf("%s (%s) has no row in ew32Ops", fd.Name.Name, file)
			}
		}
	}
}

// TestFloat32Scalars checks that a float64 scalar argument is rounded to
// float32 once, then used in float32 arithmetic: Scale(x, 0.1) is x times
// float32(0.1), AddScalar, LeakyReLU, Clamp and AddScaledTo alike.
func TestFloat32Scalars(t *testing.T) {
	const c = 0.1 // not a float32
	c32 := float64(float32(c))
	x := tensor.New([]float64{-3, -1.25, 0.7, 2, 1e-3}).To(tensor.Float32)
	rows := []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"Scale", tensor.Scale(x, c), tensor.Scale(x, c32)},
		{"AddScalar", tensor.AddScalar(x, c), tensor.AddScalar(x, c32)},
		{"LeakyReLU", tensor.LeakyReLU(x, c), tensor.LeakyReLU(x, c32)},
		{"Clamp", tensor.Clamp(x, -c, c), tensor.Clamp(x, -c32, c32)},
		{"AddScaledTo", tensor.AddScaledTo(x.Copy(), c, x), tensor.AddScaledTo(x.Copy(), c32, x)},
		{"PowScalar", tensor.PowScalar(tensor.Abs(x), c), tensor.PowScalar(tensor.Abs(x), c32)},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			// Exact: both sides round to the same float32 scalar.
			if d := cmp.Diff(r.want.Data32(), r.got.Data32()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestReLU32Specials pins ReLU and ReLUBackwardTo on float32 specials in
// each position of a 35-element tensor (a 32-float block of the assembly,
// then the tail): NaN passes through bit for bit, −0 and −Inf give +0, and
// ReLUBackwardTo keeps g only where y > 0.
func TestReLU32Specials(t *testing.T) {
	nan := math.Float32frombits(0xFFC0BEEF) // a negative NaN with a payload
	rows := []struct {
		name     string
		x, relu  float32
		keepGrad bool
	}{
		{"+0", 0, 0, false},
		{"−0", float32(math.Copysign(0, -1)), 0, false},
		{"+Inf", float32(math.Inf(1)), float32(math.Inf(1)), true},
		{"−Inf", float32(math.Inf(-1)), 0, false},
		{"NaN", nan, nan, false},
		{"subnormal", 1e-45, 1e-45, true},
		{"−subnormal", -1e-45, 0, false},
		{"MaxFloat32", math.MaxFloat32, math.MaxFloat32, true},
		{"−1", -1, 0, false},
		{"2", 2, 2, true},
	}
	const g0 = -7.5
	for _, r := range rows {
		for _, pos := range []int{0, 7, 31, 34} {
			t.Run(fmt.Sprintf("%s at %d", r.name, pos), func(t *testing.T) {
				x := make([]float32, 35)
				for i := range x {
					x[i] = -1
				}
				x[pos] = r.x
				got := tensor.ReLU(tensor.New32(x))
				y := got.Data32()[pos]
				if math.Float32bits(y) != math.Float32bits(r.relu) {
					t.Errorf("ReLU = %#x, want %#x", math.Float32bits(y), math.Float32bits(r.relu))
				}
				if n := slices.IndexFunc(got.Data32(), func(v float32) bool { return math.Float32bits(v) != 0 }); n >= 0 && n != pos {
					t.Errorf("ReLU(−1) at %d = %v, want +0", n, got.Data32()[n])
				}
				g := tensor.Float32.Full(g0, 35)
				back := tensor.ReLUBackwardTo(tensor.Float32.Zeros(35), got, g).Data32()[pos]
				want := float32(0)
				if r.keepGrad {
					want = g0
				}
				if math.Float32bits(back) != math.Float32bits(want) {
					t.Errorf("ReLUBackwardTo = %v, want %v", back, want)
				}
			})
		}
	}
}

// benchEW times one element-wise function on a 64×64 tensor of each type
// (n = 4096) and on 0-d scalars (the per-call overhead the autograd scalar
// chain, W3, pays), for the float64 paths' before/after comparison and the
// float32 paths' cost.
func benchEW(b *testing.B, f func(x, y *tensor.Tensor) *tensor.Tensor) {
	rng := tapegradtest.NewRNG()
	for _, d := range []tensor.DType{tensor.Float64, tensor.Float32} {
		for _, tc := range []struct {
			name  string
			shape []int
		}{{"scalar", nil}, {"64x64", []int{64, 64}}} {
			x := tensor.RandN(rng, tc.shape...).To(d)
			y := tensor.RandU(rng, 0.5, 2, tc.shape...).To(d)
			b.Run(d.String()+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					f(x, y)
				}
			})
		}
	}
}

func BenchmarkEWMul(b *testing.B) { benchEW(b, tensor.Mul) }
func BenchmarkEWMulTo(b *testing.B) {
	benchEW(b, func(x, y *tensor.Tensor) *tensor.Tensor { return tensor.MulTo(x, x, y) })
}
func BenchmarkEWExp(b *testing.B) {
	benchEW(b, func(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.Exp(x) })
}
func BenchmarkEWReLU(b *testing.B) {
	benchEW(b, func(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.ReLU(x) })
}
func BenchmarkEWScale(b *testing.B) {
	benchEW(b, func(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.Scale(x, 1.5) })
}
func BenchmarkEWSigmoid(b *testing.B) {
	benchEW(b, func(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.Sigmoid(x) })
}

// TestChannelBias: a (C, 1, 1) or (1, C, 1, 1) operand broadcast over NCHW
// images takes the planes fast path, in both types and for each
// arithmetic kernel, and gives the general walk's result bit for bit (the
// walk is what the operand's shape with a leading extra axis of 1 inside
// the block would take: compare with an explicit BroadcastTo).
func TestChannelBias(t *testing.T) {
	rng := tapegradtest.NewRNG()
	x64 := tensor.RandN(rng, 2, 3, 4, 5)
	for _, bshape := range [][]int{{3, 1, 1}, {1, 3, 1, 1}, {3, 4, 1}, {2, 3, 1, 1}, {1, 1, 4, 1}} {
		b64 := tensor.RandU(rng, 0.5, 2, bshape...)
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			x, b := x64.To(dt), b64.To(dt)
			full := tensor.BroadcastTo(b, 2, 3, 4, 5)
			for name, f := range map[string]func(a, b *tensor.Tensor) *tensor.Tensor{
				"Add": tensor.Add, "Sub": tensor.Sub, "Mul": tensor.Mul, "Div": tensor.Div, "Maximum": tensor.Maximum,
			} {
				if d := tapegradtest.Diff(f(x, full), f(x, b)); d != "" {
					t.Errorf("%s of %v and %v %v (-equal shapes +broadcast):\n%s", name, x.Shape(), bshape, dt, d)
				}
			}
		}
	}
}

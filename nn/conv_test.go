package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// convTensor is a tensor as conv_torch.py writes it.
type convTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (c convTensor) t() *tensor.Tensor { return tensor.New(c.Data, c.Shape...) }

// convCase is one case of testdata/conv_torch.json.
type convCase struct {
	Name, Kind                               string
	Stride, Padding, Dilation, OutputPadding []int
	Groups                                   int
	X, W, B, R, Y, GX, GW, GB                convTensor
}

func (c *convCase) UnmarshalJSON(b []byte) error {
	var raw struct {
		Name          string     `json:"name"`
		Kind          string     `json:"kind"`
		Stride        []int      `json:"stride"`
		Padding       []int      `json:"padding"`
		Dilation      []int      `json:"dilation"`
		OutputPadding []int      `json:"output_padding"`
		Groups        int        `json:"groups"`
		X             convTensor `json:"x"`
		W             convTensor `json:"w"`
		B             convTensor `json:"b"`
		R             convTensor `json:"r"`
		Y             convTensor `json:"y"`
		GX            convTensor `json:"gx"`
		GW            convTensor `json:"gw"`
		GB            convTensor `json:"gb"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*c = convCase{raw.Name, raw.Kind, raw.Stride, raw.Padding, raw.Dilation, raw.OutputPadding, raw.Groups,
		raw.X, raw.W, raw.B, raw.R, raw.Y, raw.GX, raw.GW, raw.GB}
	return nil
}

// layer returns the case's layer holding its weight and bias.
func (c *convCase) layer() nn.Module {
	w := autograd.NewNamedParam("weight", c.W.t())
	b := autograd.NewNamedParam("bias", c.B.t())
	if c.Kind == "conv1d" {
		return &nn.Conv1d{Config: tensor.Conv1dConfig{Stride: c.Stride[0], Padding: c.Padding[0],
			Dilation: c.Dilation[0], Groups: c.Groups}, Weight: w, Bias: b}
	}
	cfg := tensor.Conv2dConfig{Stride: [2]int(c.Stride), Padding: [2]int(c.Padding),
		Dilation: [2]int(c.Dilation), Groups: c.Groups, OutputPadding: [2]int(c.OutputPadding)}
	if c.Kind == "conv_transpose2d" {
		return &nn.ConvTranspose2d{Config: cfg, Weight: w, Bias: b}
	}
	return &nn.Conv2d{Config: cfg, Weight: w, Bias: b}
}

// TestConvMatchesTorch runs the layers on PyTorch 1.13's inputs
// (testdata/conv_torch.py) and compares outputs and the gradients of
// Σ y ⊙ r with respect to input, weight and bias. Tolerance 1e-10: the
// values are float64 sums of at most 54 products of N(0, 1) numbers, so
// both sides' rounding (about 1e-15 each) is far below it; in float32 the
// sums carry about 2⁻²⁴·Σ|terms| ≈ 1e-5 of error, hence 1e-4.
func TestConvMatchesTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/conv_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []convCase }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		tol := 1e-10
		if dt == tensor.Float32 {
			tol = 1e-4
		}
		for _, c := range file.Cases {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				m := c.layer()
				nn.To(m, dt)
				tp := autograd.NewTape()
				x := tp.Var(c.X.t().To(dt))
				y := m.Forward(tp, x)
				tp.Backward(tp.Sum(tp.Mul(y, tp.Const(c.R.t().To(dt)))))
				ps := m.NamedParams()
				gx := tp.Grad(tp.Sum(tp.Mul(y, tp.Const(c.R.t().To(dt)))), x)[0].Value()
				for _, p := range []struct {
					name      string
					want, got *tensor.Tensor
				}{
					{"y", c.Y.t(), y.Value()},
					{"∂x", c.GX.t(), gx},
					{"∂weight", c.GW.t(), ps[0].Var.Grad()},
					{"∂bias", c.GB.t(), ps[1].Var.Grad()},
				} {
					if !cmp.Equal(p.want.Shape(), p.got.Shape()) {
						t.Errorf("%s: shape %v, want %v", p.name, p.got.Shape(), p.want.Shape())
						continue
					}
					if d := cmp.Diff(p.want.Data(), p.got.Float64s(), cmpopts.EquateApprox(0, tol)); d != "" {
						t.Errorf("%s (-torch +got):\n%s", p.name, d)
					}
				}
			})
		}
	}
}

// TestConvInit checks the layers' shapes and PyTorch's initialisation
// bound 1/√fan_in: every value inside it, and the largest within 10% of it
// (with a few hundred uniform draws the maximum is that close).
func TestConvInit(t *testing.T) {
	rng := tapegradtest.NewRNG()
	c2 := tensor.Conv2dDefaults()
	c2.Groups = 2
	c1 := tensor.Conv1dDefaults()
	for _, c := range []struct {
		name   string
		m      nn.Module
		wShape []int
		fanIn  int
	}{
		{"Conv2d", nn.NewConv2d(rng, 4, 6, [2]int{3, 5}, c2), []int{6, 2, 3, 5}, 2 * 15},
		{"Conv1d", nn.NewConv1d(rng, 3, 8, 4, c1), []int{8, 3, 4}, 12},
		{"ConvTranspose2d", nn.NewConvTranspose2d(rng, 4, 6, [2]int{3, 3}, c2), []int{4, 3, 3, 3}, 27},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := c.m.NamedParams()
			if len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" {
				t.Fatalf("params %v, want weight and bias", ps)
			}
			if !cmp.Equal(ps[0].Var.Shape(), c.wShape) {
				t.Errorf("weight shape %v, want %v", ps[0].Var.Shape(), c.wShape)
			}
			bound := 1 / math.Sqrt(float64(c.fanIn))
			for _, p := range ps {
				hi := 0.0
				for _, v := range p.Var.Value().Data() {
					hi = max(hi, math.Abs(v))
				}
				if hi > bound || p.Name == "weight" && hi < 0.9*bound {
					t.Errorf("%s: max |value| %g, bound %g", p.Name, hi, bound)
				}
			}
		})
	}
}

// TestConvString checks PyTorch's printing.
func TestConvString(t *testing.T) {
	rng := tapegradtest.NewRNG()
	pad := tensor.Conv2dDefaults()
	pad.Padding = [2]int{2, 2}
	tr := tensor.Conv2dDefaults()
	tr.Stride, tr.OutputPadding, tr.Groups = [2]int{2, 2}, [2]int{1, 1}, 2
	c1 := tensor.Conv1dConfig{Stride: 2, Padding: 1, Dilation: 3, Groups: 1}
	noBias := nn.NewConv2d(rng, 1, 8, [2]int{5, 5}, tensor.Conv2dDefaults())
	noBias.Bias = autograd.Var{}
	for _, c := range []struct {
		m    fmt.Stringer
		want string
	}{
		{nn.NewConv2d(rng, 1, 8, [2]int{5, 5}, pad), "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"},
		{noBias, "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1), bias=False)"},
		{nn.NewConv1d(rng, 4, 8, 3, c1), "Conv1d(4, 8, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(3,))"},
		{nn.NewConvTranspose2d(rng, 8, 4, [2]int{3, 3}, tr), "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), groups=2)"},
		{new(nn.Conv2d), "Conv2d(no weight)"},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// TestConvUnbatched checks that an input without batch axis gives the
// batch of one's result without its batch axis, as in PyTorch.
func TestConvUnbatched(t *testing.T) {
	rng := tapegradtest.NewRNG()
	m := nn.NewConv2d(rng, 2, 3, [2]int{2, 2}, tensor.Conv2dDefaults())
	x := tensor.RandN(rng, 2, 4, 4)
	var tp *autograd.Tape
	got := m.Forward(tp, autograd.Const(x)).Value()
	want := m.Forward(tp, autograd.Const(tensor.Reshape(x, 1, 2, 4, 4))).Value()
	if d := tapegradtest.Diff(tensor.Reshape(want, 3, 3, 3), got); d != "" {
		t.Errorf("(-batched +unbatched):\n%s", d)
	}
}

func init() {
	var (
		tp   *autograd.Tape
		zero autograd.Var
		rng  = tapegradtest.NewRNG()
		x4   = autograd.Const(tensor.Zeros(1, 2, 4, 4))
		x3   = autograd.Const(tensor.Zeros(1, 2, 4))
		d2   = tensor.Conv2dDefaults()
		d1   = tensor.Conv1dDefaults()
	)
	moreNilRows["NewConv2d"] = []func(){
		func() { nn.NewConv2d(nil, 1, 1, [2]int{1, 1}, d2) },
		func() { nn.NewConv2d(rng, 0, 1, [2]int{1, 1}, d2) },
		func() { nn.NewConv2d(rng, 1, 1, [2]int{}, d2) },
		func() { nn.NewConv2d(rng, 1, 1, [2]int{1, 1}, tensor.Conv2dConfig{}) },
	}
	moreNilRows["Conv2d.Forward"] = []func(){
		func() { new(nn.Conv2d).Forward(tp, zero) },
		func() { new(nn.Conv2d).Forward(tp, x4) },
		func() { nn.NewConv2d(rng, 2, 1, [2]int{1, 1}, d2).Forward(tp, zero) },
		func() { nn.NewConv2d(rng, 2, 1, [2]int{1, 1}, d2).Forward(autograd.NewTape(), x3) },
		func() { (&nn.Conv2d{Weight: autograd.Const(tensor.Zeros(1, 2, 1, 1))}).Forward(tp, x4) }, // zero config
	}
	moreNilRows["Conv2d.NamedParams"] = []func(){func() { new(nn.Conv2d).NamedParams() }}
	moreNilRows["Conv2d.String"] = []func(){func() { _ = new(nn.Conv2d).String() }}
	moreNilRows["NewConv1d"] = []func(){
		func() { nn.NewConv1d(nil, 1, 1, 1, d1) },
		func() { nn.NewConv1d(rng, 1, 0, 1, d1) },
		func() { nn.NewConv1d(rng, 1, 1, 1, tensor.Conv1dConfig{}) },
	}
	moreNilRows["Conv1d.Forward"] = []func(){
		func() { new(nn.Conv1d).Forward(tp, zero) },
		func() { new(nn.Conv1d).Forward(tp, x3) },
		func() { nn.NewConv1d(rng, 2, 1, 1, d1).Forward(tp, x4) },
		func() { (&nn.Conv1d{Weight: autograd.Const(tensor.Zeros(1, 2, 1))}).Forward(tp, x3) },
	}
	moreNilRows["Conv1d.NamedParams"] = []func(){func() { new(nn.Conv1d).NamedParams() }}
	moreNilRows["Conv1d.String"] = []func(){func() { _ = new(nn.Conv1d).String() }}
	moreNilRows["NewConvTranspose2d"] = []func(){
		func() { nn.NewConvTranspose2d(nil, 1, 1, [2]int{1, 1}, d2) },
		func() { nn.NewConvTranspose2d(rng, 1, -1, [2]int{1, 1}, d2) },
		func() { nn.NewConvTranspose2d(rng, 1, 1, [2]int{1, 1}, tensor.Conv2dConfig{Groups: 1}) },
	}
	moreNilRows["ConvTranspose2d.Forward"] = []func(){
		func() { new(nn.ConvTranspose2d).Forward(tp, zero) },
		func() { new(nn.ConvTranspose2d).Forward(tp, x4) },
		func() { nn.NewConvTranspose2d(rng, 2, 1, [2]int{1, 1}, d2).Forward(tp, x3) },
		func() { (&nn.ConvTranspose2d{Weight: autograd.Const(tensor.Zeros(2, 1, 1, 1))}).Forward(tp, x4) },
	}
	moreNilRows["ConvTranspose2d.NamedParams"] = []func(){func() { new(nn.ConvTranspose2d).NamedParams() }}
	moreNilRows["ConvTranspose2d.String"] = []func(){func() { _ = new(nn.ConvTranspose2d).String() }}
}

// ExampleNewConv2d builds W6's first convolution (5×5, 1 → 8 channels,
// padding 2) and applies it to a batch of two 28×28 images.
func ExampleNewConv2d() {
	rng := tapegradtest.NewRNG()
	cfg := tensor.Conv2dDefaults()
	cfg.Padding = [2]int{2, 2}
	conv := nn.NewConv2d(rng, 1, 8, [2]int{5, 5}, cfg)
	y := conv.Forward(nil, autograd.Const(tensor.Zeros(2, 1, 28, 28)))
	fmt.Println(conv)
	fmt.Println(y.Shape())
	for _, p := range conv.NamedParams() {
		fmt.Println(p.Name, p.Var.Shape())
	}
	// Output:
	// Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
	// [2 8 28 28]
	// weight [8 1 5 5]
	// bias [8]
}

// ExampleNewConv1d convolves a batch of 3 sequences of 4 channels and
// length 10 with a kernel of 3 and stride 2.
func ExampleNewConv1d() {
	cfg := tensor.Conv1dDefaults()
	cfg.Stride = 2
	conv := nn.NewConv1d(tapegradtest.NewRNG(), 4, 6, 3, cfg)
	y := conv.Forward(nil, autograd.Const(tensor.Zeros(3, 4, 10)))
	fmt.Println(conv)
	fmt.Println(y.Shape())
	// Output:
	// Conv1d(4, 6, kernel_size=(3,), stride=(2,))
	// [3 6 4]
}

// ExampleNewConvTranspose2d doubles a 7×7 map to 14×14: kernel 3, stride
// 2, padding 1 and output padding 1 give (7 − 1)·2 − 2 + 2 + 1 + 1 = 14.
func ExampleNewConvTranspose2d() {
	cfg := tensor.Conv2dDefaults()
	cfg.Stride, cfg.Padding, cfg.OutputPadding = [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}
	up := nn.NewConvTranspose2d(tapegradtest.NewRNG(), 16, 8, [2]int{3, 3}, cfg)
	y := up.Forward(nil, autograd.Const(tensor.Zeros(1, 16, 7, 7)))
	fmt.Println(up)
	fmt.Println(y.Shape(), up.Weight.Shape())
	// Output:
	// ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
	// [1 8 14 14] [16 8 3 3]
}

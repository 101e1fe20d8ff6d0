package nn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// linear23 is a Linear layer with hand-set weights W (2, 3) and bias (3).
func linear23() *nn.Linear {
	return &nn.Linear{
		W: autograd.NewParam(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)),
		B: autograd.NewParam(tensor.New([]float64{0.1, 0.2, 0.3}, 3)),
	}
}

func TestLinearForward(t *testing.T) {
	// PyTorch's layout of linear23's weight: (out, in) = Wᵀ.
	torchW := tensor.New([]float64{1, 4, 2, 5, 3, 6}, 3, 2)
	x := tensor.New([]float64{1, 1, 0, 2}, 2, 2)
	tests := []struct {
		name string
		l    *nn.Linear
		x    *tensor.Tensor
		want *tensor.Tensor
	}{
		// [1 1]·W = [5 7 9], [0 2]·W = [8 10 12], plus b
		{"batch", linear23(), x, tensor.New([]float64{5.1, 7.2, 9.3, 8.1, 10.2, 12.3}, 2, 3)},
		{"single datapoint", linear23(), tensor.New([]float64{1, 1}, 2), tensor.New([]float64{5.1, 7.2, 9.3}, 3)},
		{"from torch layout", nn.LinearFromTorch(torchW, tensor.New([]float64{0.1, 0.2, 0.3}, 3)), x,
			tensor.New([]float64{5.1, 7.2, 9.3, 8.1, 10.2, 12.3}, 2, 3)},
		{"no bias", &nn.Linear{W: linear23().W}, x, tensor.New([]float64{5, 7, 9, 8, 10, 12}, 2, 3)},
		{"from torch without bias", nn.LinearFromTorch(torchW, nil), x, tensor.New([]float64{5, 7, 9, 8, 10, 12}, 2, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// sums of small integers and one decimal: exact but for the
			// rounding of the decimals, hence approx
			got := tt.l.Forward(autograd.NewTape(), autograd.Const(tt.x)).Value()
			if d := tapegradtest.Diff(tt.want, got, approx); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestLinearTorchRoundTrip(t *testing.T) {
	torchW := tensor.RandN(tapegradtest.NewRNG(), 4, 3)
	l := nn.LinearFromTorch(torchW, tensor.Zeros(4))
	if d := cmp.Diff([]int{3, 4}, l.W.Shape()); d != "" {
		t.Errorf("W shape (-want +got):\n%s", d)
	}
	if d := tapegradtest.Diff(torchW, tensor.T(l.W.Value())); d != "" {
		t.Errorf("tensor.T(W) is not the torch weight (-want +got):\n%s", d)
	}
}

func TestNewLinear(t *testing.T) {
	l := nn.NewLinear(tapegradtest.NewRNG(), 3, 5, nil)
	got := map[string][]int{}
	for _, np := range l.NamedParams() {
		got[np.Name] = np.Var.Shape()
	}
	if d := cmp.Diff(map[string][]int{"weight": {3, 5}, "bias": {5}}, got); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	if d := tapegradtest.Diff(tensor.Zeros(5), l.B.Value()); d != "" {
		t.Errorf("bias not zero (-want +got):\n%s", d)
	}
	// Default init: XavierUniform(1), bound √(6/(3+5)).
	bound := math.Sqrt(6.0 / 8)
	for _, w := range l.W.Value().Data() {
		if math.Abs(w) > bound {
			t.Errorf("weight %g outside ±%g", w, bound)
		}
	}
	if got, want := l.String(), "Linear(in=3, out=5, bias=true)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// TestLayerGradCheck checks layers against central differences with respect
// to their inputs and parameters (passed as tape Vars in the layer's
// fields), first and second order, default tolerances. Tanh and sigmoid
// inputs stay in [−1, 1], far from ReLU's kink (no ReLU here).
func TestLayerGradCheck(t *testing.T) {
	rng := tapegradtest.NewRNG()
	u := func(shape ...int) *tensor.Tensor { return tensor.RandU(rng, -1, 1, shape...) }
	labels := []int{2, 0, 1}
	tests := []struct {
		name   string
		inputs []*tensor.Tensor
		f      autograd.Func
	}{
		{"linear", []*tensor.Tensor{u(3, 2), u(2, 4), u(4)}, func(tp T, x []V) V {
			return (&nn.Linear{W: x[1], B: x[2]}).Forward(tp, x[0])
		}},
		{"linear single datapoint", []*tensor.Tensor{u(2), u(2, 4), u(4)}, func(tp T, x []V) V {
			return (&nn.Linear{W: x[1], B: x[2]}).Forward(tp, x[0])
		}},
		{"sigmoid neuron", []*tensor.Tensor{u(3, 2), u(2, 1), u(1)}, func(tp T, x []V) V {
			return (&nn.Neuron{W: x[1], B: x[2], G: nn.Sigmoid()}).Forward(tp, x[0])
		}},
		{"mlp with cross entropy", []*tensor.Tensor{u(3, 2), u(2, 4), u(4), u(4, 3), u(3)}, func(tp T, x []V) V {
			m := nn.NewSequential(&nn.Linear{W: x[1], B: x[2]}, nn.Tanh(), &nn.Linear{W: x[3], B: x[4]})
			return nn.CrossEntropy(tp, m.Forward(tp, x[0]), labels)
		}},
		{"dropout (fixed mask)", []*tensor.Tensor{u(3, 4)}, func(tp T, x []V) V {
			// a fresh layer on the same seed each call: the same mask
			d := nn.NewDropout(rand.New(rand.NewPCG(3, 4)), 0.5)
			return d.Forward(tp, x[0])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rep, err := autograd.Check(tt.f, tt.inputs, nil); err != nil {
				t.Errorf("first order: %v", rep)
			}
			if rep, err := autograd.CheckSecond(tt.f, tt.inputs, nil); err != nil {
				t.Errorf("second order: %v", rep)
			}
		})
	}
}

func TestNeuron(t *testing.T) {
	// The perceptron AND gate: w = (1, 1), b = −1.5, step activation.
	and := &nn.Neuron{
		W: autograd.NewParam(tensor.New([]float64{1, 1}, 2, 1)),
		B: autograd.NewParam(tensor.New([]float64{-1.5}, 1)),
		G: nn.Step(),
	}
	x := autograd.Const(tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2))
	if d := tapegradtest.Diff(tensor.New([]float64{0, 0, 0, 1}, 4, 1), and.Forward(nil, x).Value()); d != "" {
		t.Errorf("AND gate (-want +got):\n%s", d)
	}

	// A sigmoid neuron: z = 2·0.5 + 1·(−1) + 0.25 = 0.25 and 1·0.5 + 0.25 = 0.75.
	w := autograd.NewParam(tensor.New([]float64{0.5, -1}, 2, 1))
	b := autograd.NewParam(tensor.New([]float64{0.25}, 1))
	u := &nn.Neuron{W: w, B: b, G: nn.Sigmoid()}
	xs := tensor.New([]float64{2, 1, 1, 0}, 2, 2)
	tp := autograd.NewTape()
	a := u.Forward(tp, tp.Const(xs))
	s := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	if d := tapegradtest.Diff(tensor.New([]float64{s(0.25), s(0.75)}, 2, 1), a.Value(), approx); d != "" {
		t.Errorf("a (-want +got):\n%s", d)
	}
	// ∂Σa/∂w = Σₓ σ′(zₓ)·x, ∂Σa/∂b = Σₓ σ′(zₓ), σ′ = σ(1 − σ)
	tp.Backward(tp.Sum(a))
	d1, d2 := s(0.25)*(1-s(0.25)), s(0.75)*(1-s(0.75))
	if d := tapegradtest.Diff(tensor.New([]float64{2*d1 + d2, d1}, 2, 1), w.Grad(), approx); d != "" {
		t.Errorf("∂/∂w (-want +got):\n%s", d)
	}
	if d := tapegradtest.Diff(tensor.New([]float64{d1 + d2}, 1), b.Grad(), approx); d != "" {
		t.Errorf("∂/∂b (-want +got):\n%s", d)
	}

	// One datapoint of shape (n) gives shape (1); no activation is linear.
	lin := &nn.Neuron{W: w, B: b}
	if d := tapegradtest.Diff(tensor.New([]float64{0.25}, 1), lin.Forward(nil, autograd.Const(tensor.New([]float64{2, 1}, 2))).Value()); d != "" {
		t.Errorf("single datapoint (-want +got):\n%s", d)
	}
}

func TestNewNeuron(t *testing.T) {
	u := nn.NewNeuron(tapegradtest.NewRNG(), 3, nn.Tanh())
	if d := cmp.Diff([]string{"weight", "bias"}, names(u.NamedParams())); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{3, 1}, u.W.Shape()); d != "" {
		t.Errorf("W shape (-want +got):\n%s", d)
	}
	// The weights come from the activation's initialiser on the same seed.
	want := nn.Tanh().WeightInit()(tapegradtest.NewRNG(), 3, 1, 3, 1)
	if d := tapegradtest.Diff(want, u.W.Value()); d != "" {
		t.Errorf("W is not Tanh's WeightInit draw (-want +got):\n%s", d)
	}
	if got, want := u.String(), "Neuron(in=3, Tanh)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestNewMLP(t *testing.T) {
	tests := []struct {
		name           string
		sizes          []int
		hidden, output nn.Activation
		names          []string
		shapes         [][]int
		layers, params int
	}{
		{"2-2-1 sigmoid", []int{2, 2, 1}, nn.Sigmoid(), nn.Sigmoid(),
			[]string{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"},
			[][]int{{2, 2}, {2}, {2, 1}, {1}}, 4, 9},
		{"relu to logits", []int{4, 8, 8, 3}, nn.ReLU(), nil,
			[]string{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias"},
			[][]int{{4, 8}, {8}, {8, 8}, {8}, {8, 3}, {3}}, 5, 4*8 + 8 + 8*8 + 8 + 8*3 + 3},
		{"single layer", []int{3, 2}, nn.ReLU(), nn.Softmax(1),
			[]string{"layers.0.weight", "layers.0.bias"}, [][]int{{3, 2}, {2}}, 2, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := nn.NewMLP(tapegradtest.NewRNG(), tt.sizes, tt.hidden, tt.output)
			var shapes [][]int
			for _, np := range m.NamedParams() {
				shapes = append(shapes, np.Var.Shape())
			}
			if d := cmp.Diff(tt.names, names(m.NamedParams())); d != "" {
				t.Errorf("names (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.shapes, shapes); d != "" {
				t.Errorf("shapes (-want +got):\n%s", d)
			}
			if got := len(m.Layers); got != tt.layers {
				t.Errorf("%d layers, want %d", got, tt.layers)
			}
			if got := nn.NumParams(m); got != tt.params {
				t.Errorf("NumParams = %d, want %d", got, tt.params)
			}
			n := tt.sizes[len(tt.sizes)-1]
			out := m.Forward(nil, autograd.Const(tensor.Ones(5, tt.sizes[0])))
			if d := cmp.Diff([]int{5, n}, out.Shape()); d != "" {
				t.Errorf("output shape (-want +got):\n%s", d)
			}
		})
	}
}

// TestNewMLPInit checks that each layer's weights are drawn with the
// initialiser of the activation after it (He for ReLU, Xavier for sigmoid),
// by replaying the same seed.
func TestNewMLPInit(t *testing.T) {
	m := nn.NewMLP(tapegradtest.NewRNG(), []int{4, 6, 2}, nn.ReLU(), nn.Sigmoid())
	rng := tapegradtest.NewRNG()
	w0 := nn.HeNormal(math.Sqrt2)(rng, 4, 6, 4, 6)
	w1 := nn.XavierUniform(1)(rng, 6, 2, 6, 2)
	ps := nn.Params(m)
	for i, want := range map[int]*tensor.Tensor{0: w0, 2: w1} {
		if d := tapegradtest.Diff(want, ps[i].Value()); d != "" {
			t.Errorf("param %d (-want +got):\n%s", i, d)
		}
	}
	for _, i := range []int{1, 3} {
		if d := tapegradtest.Diff(tensor.ZerosLike(ps[i].Value()), ps[i].Value()); d != "" {
			t.Errorf("bias %d not zero (-want +got):\n%s", i, d)
		}
	}
}

func TestDropout(t *testing.T) {
	const n, p = 2000, 0.25
	x := autograd.Const(tensor.Ones(n))
	d := nn.NewDropout(tapegradtest.NewRNG(), p)
	tp := autograd.NewTape()
	xv := tp.Var(tensor.Ones(n))
	y := d.Forward(tp, xv)
	kept := 0
	for _, v := range y.Value().Data() {
		switch v {
		case 0:
		case 1 / (1 - p):
			kept++
		default:
			t.Fatalf("element %g is neither 0 nor 1/(1−p)", v)
		}
	}
	// kept ~ Binomial(n, 1−p): mean 1500, sd √(n·p·(1−p)) ≈ 19; allow 5 sd.
	if math.Abs(float64(kept)-n*(1-p)) > 5*math.Sqrt(n*p*(1-p)) {
		t.Errorf("kept %d of %d, want about %g", kept, n, n*(1-p))
	}
	// The gradient is the mask: the same scaled 0/1 pattern as the output.
	tp.Backward(tp.Sum(y))
	if diff := tapegradtest.Diff(y.Value(), xv.Grad()); diff != "" {
		t.Errorf("gradient is not the mask (-want +got):\n%s", diff)
	}
	// The same seed gives the same mask; the next call a new one.
	again := nn.NewDropout(tapegradtest.NewRNG(), p).Forward(nil, x).Value()
	if diff := tapegradtest.Diff(y.Value(), again); diff != "" {
		t.Errorf("same seed, different mask (-want +got):\n%s", diff)
	}
	if slices.Equal(y.Value().Data(), d.Forward(nil, x).Value().Data()) {
		t.Error("second call reused the first mask")
	}

	tests := []struct {
		name     string
		p        float64
		training bool
		want     *tensor.Tensor // nil: the input Var itself
	}{
		{"eval is the identity", 0.5, false, nil},
		{"p = 0 is the identity", 0, true, nil},
		{"p = 1 zeroes everything", 1, true, tensor.Zeros(n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := nn.NewDropout(tapegradtest.NewRNG(), tt.p)
			nn.SetTraining(d, tt.training)
			got := d.Forward(nil, x)
			if tt.want == nil {
				if !got.Same(x) {
					t.Errorf("returned %v, want the input", got)
				}
				return
			}
			if diff := tapegradtest.Diff(tt.want, got.Value()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got, want := d.String(), "Dropout(p=0.25)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestLayerPanics(t *testing.T) {
	l := linear23() // W (2, 3)
	c := autograd.Const
	u := &nn.Neuron{W: autograd.NewParam(tensor.Zeros(2, 1)), B: autograd.NewParam(tensor.Zeros(1))}
	runPanics(t, []panicRow{
		{"linear wrong in", func() { l.Forward(nil, c(tensor.Zeros(4, 3))) }, tensor.ErrShape, []string{"nn.Linear", "[4 3] and [2 3]", "(…, 2)"}},
		{"linear rank 3 wrong in", func() { l.Forward(nil, c(tensor.Zeros(4, 5, 3))) }, tensor.ErrShape, []string{"nn.Linear", "[4 5 3]"}},
		{"linear scalar", func() { l.Forward(nil, c(tensor.Scalar(1))) }, tensor.ErrShape, []string{"nn.Linear"}},
		{"linear single wrong in", func() { l.Forward(nil, c(tensor.Zeros(3))) }, tensor.ErrShape, []string{"nn.Linear", "[3] and [2 3]"}},
		{"linear bias shape", func() { (&nn.Linear{W: l.W, B: c(tensor.Zeros(2))}).Forward(nil, c(tensor.Zeros(1, 2))) }, tensor.ErrShape, []string{"nn.Linear", "[2 3] and [2]"}},
		{"neuron wrong in", func() { u.Forward(nil, c(tensor.Zeros(4, 3))) }, tensor.ErrShape, []string{"nn.Neuron", "[4 3] and [2 1]"}},
		{"from torch rank 1", func() { nn.LinearFromTorch(tensor.Zeros(3), nil) }, tensor.ErrShape, []string{"nn.LinearFromTorch", "[3]"}},
		{"from torch bias", func() { nn.LinearFromTorch(tensor.Zeros(3, 2), tensor.Zeros(2)) }, tensor.ErrShape, []string{"nn.LinearFromTorch", "[3 2] and [2]"}},
		{"new linear zero width", func() { nn.NewLinear(tapegradtest.NewRNG(), 0, 3, nil) }, nn.ErrArg, []string{"nn.NewLinear"}},
		{"new neuron zero inputs", func() { nn.NewNeuron(tapegradtest.NewRNG(), 0, nil) }, nn.ErrArg, []string{"nn.NewNeuron"}},
		{"mlp one size", func() { nn.NewMLP(tapegradtest.NewRNG(), []int{3}, nn.ReLU(), nil) }, nn.ErrArg, []string{"nn.NewMLP", "[3]"}},
		{"mlp zero width", func() { nn.NewMLP(tapegradtest.NewRNG(), []int{3, 0, 1}, nn.ReLU(), nil) }, nn.ErrArg, []string{"nn.NewLinear"}},
		{"dropout p > 1", func() { nn.NewDropout(tapegradtest.NewRNG(), 1.5) }, nn.ErrArg, []string{"nn.NewDropout", "1.5"}},
		{"dropout p < 0", func() { nn.NewDropout(tapegradtest.NewRNG(), -0.1) }, nn.ErrArg, []string{"nn.NewDropout"}},
		{"dropout nil rng", func() { nn.NewDropout(nil, 0.1) }, nn.ErrArg, []string{"nil rng"}},
	})
}

// benchmarkMLPStep times one training step (forward, cross-entropy,
// backward) of an MLP of the given widths on a batch of 64, reusing a tape.
func benchmarkMLPStep(b *testing.B, sizes []int) {
	rng := tapegradtest.NewRNG()
	m := nn.NewMLP(rng, sizes, nn.ReLU(), nil)
	x := tensor.RandN(rng, 64, sizes[0])
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = rng.IntN(sizes[len(sizes)-1])
	}
	tp := autograd.NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		nn.ZeroGrad(m)
		tp.Backward(nn.CrossEntropy(tp, m.Forward(tp, tp.Const(x)), labels))
	}
}

func BenchmarkMLPStepSmall(b *testing.B)  { benchmarkMLPStep(b, []int{2, 2, 1}) }
func BenchmarkMLPStepMedium(b *testing.B) { benchmarkMLPStep(b, []int{64, 32, 10}) }
func BenchmarkMLPStepLarge(b *testing.B)  { benchmarkMLPStep(b, []int{784, 128, 10}) }

// TestLinearLeadingAxes: Linear takes any leading axes, as PyTorch's
// (*, H_in): a (2, 3, in) input gives each of its six rows' outputs, in
// shape (2, 3, out), bit for bit those of the rows passed as (6, in).
func TestLinearLeadingAxes(t *testing.T) {
	l := nn.NewLinear(rand.New(rand.NewPCG(1, 2)), 4, 5, nil)
	l.B = autograd.NewParam(tensor.Arange(0, 5, 1))
	x := tensor.RandN(rand.New(rand.NewPCG(3, 4)), 2, 3, 4)
	got := l.Forward(nil, autograd.Const(x)).Value()
	want := l.Forward(nil, autograd.Const(tensor.Reshape(x, 6, 4))).Value()
	if d := tapegradtest.Diff(tensor.Reshape(want, 2, 3, 5), got); d != "" {
		t.Errorf("(2, 3, 4) input (-rows +got):\n%s", d)
	}
}

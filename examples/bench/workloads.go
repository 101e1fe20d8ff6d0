package main

import (
	"math"
	"runtime"
	"time"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// gen yields n doubles in [0, 1): splitmix64's finaliser of seed·G + i·G for
// i = 1..n, the top 53 bits scaled by 2⁻⁵³ (WORKLOADS.md).
func gen(seed uint64, n int) []float64 {
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

// uniformSym is (gen − 0.5)·2/√fanIn in the given shape, drawn in float64
// and rounded to dt once.
func uniformSym(dt tensor.DType, seed uint64, fanIn int, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := gen(seed, n)
	s := 2 / math.Sqrt(float64(fanIn))
	for i := range v {
		v[i] = (v[i] - 0.5) * s
	}
	return tensor.New(v, shape...).To(dt)
}

// linear builds a layer y = x·W + b of type dt from the workload's seeds.
func linear(dt tensor.DType, wSeed, bSeed uint64, in, out int) *nn.Linear {
	return &nn.Linear{
		W: autograd.NewParam(uniformSym(dt, wSeed, in, in, out)),
		B: autograd.NewParam(uniformSym(dt, bSeed, in, out)),
	}
}

// result is one workload's measurement.
type result struct {
	Workload string             `json:"workload"`
	Unit     string             `json:"unit"`
	Samples  []float64          `json:"-"`
	Check    map[string]float64 `json:"check"`
}

// blocks times reps blocks of steps calls and returns seconds per step.
func blocks(step func(), reps, steps int) []float64 {
	out := make([]float64, reps)
	for r := range out {
		t0 := time.Now()
		for range steps {
			step()
		}
		out[r] = time.Since(t0).Seconds() / float64(steps)
	}
	return out
}

// trainer is a model, its data and cost, and a reused tape: one step is
// zero grads + forward + backward + update, like the PyTorch reference.
type trainer struct {
	tp    *autograd.Tape
	model nn.Module
	opt   optim.Optimizer
	cost  func(tp *autograd.Tape, out autograd.Var) autograd.Var
	x     *tensor.Tensor
	last  float64
}

func (t *trainer) step() {
	t.opt.ZeroGrad()
	t.tp.Reset()
	loss := t.cost(t.tp, t.model.Forward(t.tp, t.tp.Const(t.x)))
	t.tp.Backward(loss)
	t.opt.Step()
	t.last = loss.Item()
}

// warm runs the 20 warm-up steps and returns the check values.
func (t *trainer) warm() map[string]float64 {
	check := map[string]float64{}
	for i := 1; i <= 20; i++ {
		t.step()
		if i == 1 || i == 20 {
			check[map[int]string{1: "loss_step1", 20: "loss_step20"}[i]] = t.last
		}
	}
	return check
}

// w1 returns W1's network (784-256-128-10 ReLU, seeds 3–8), its batch of
// 64 inputs (seed 1) and their labels (seed 2), in element type dt.
func w1(dt tensor.DType) (model *nn.Sequential, x *tensor.Tensor, labels []int) {
	const batch = 64
	labels = make([]int, batch)
	for i, v := range gen(2, batch) {
		labels[i] = int(math.Floor(v * 10))
	}
	model = nn.NewSequential(linear(dt, 3, 4, 784, 256), nn.ReLU(), linear(dt, 5, 6, 256, 128), nn.ReLU(), linear(dt, 7, 8, 128, 10))
	return model, tensor.New(gen(1, batch*784), batch, 784).To(dt), labels
}

// mlpMNIST is W1: 784-256-128-10 ReLU, cross-entropy, batch 64, SGD 0.01,
// in element type dt.
func mlpMNIST(dt tensor.DType) *trainer {
	model, x, labels := w1(dt)
	return &trainer{
		tp: autograd.NewTape(), model: model,
		opt:  optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.01}),
		cost: func(tp *autograd.Tape, out autograd.Var) autograd.Var { return nn.CrossEntropy(tp, out, labels) },
		x:    x,
	}
}

// mlpTiny is W2: 2-16-16-1 sigmoid layers on XOR, the course's quadratic
// cost, SGD 0.1.
func mlpTiny(dt tensor.DType) *trainer {
	y := tensor.New([]float64{0, 1, 1, 0}, 4, 1).To(dt)
	model := nn.NewSequential(linear(dt, 11, 12, 2, 16), nn.Sigmoid(), linear(dt, 13, 14, 16, 16), nn.Sigmoid(), linear(dt, 15, 16, 16, 1), nn.Sigmoid())
	return &trainer{
		tp: autograd.NewTape(), model: model,
		opt: optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.1}),
		cost: func(tp *autograd.Tape, out autograd.Var) autograd.Var {
			return nn.Quadratic(tp, out, tp.Const(y))
		},
		x: tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2).To(dt),
	}
}

func runTrainer(name, unit string, t *trainer, scale float64, reps, steps int) result {
	check := t.warm()
	s := blocks(t.step, reps, steps)
	for i := range s {
		s[i] *= scale
	}
	return result{Workload: name, Unit: unit, Samples: s, Check: check}
}

// scalarChain is W3: x = tanh(x·wᵢ + bᵢ) for 10000 one-element parameters.
func scalarChain(dt tensor.DType, reps, steps int) result {
	const n = 10000
	wv, bv := gen(21, n), gen(22, n)
	ws, bs := make([]autograd.Var, n), make([]autograd.Var, n)
	for i := range ws {
		ws[i] = autograd.NewParam(dt.Scalar(0.5 + 0.5*wv[i]))
		bs[i] = autograd.NewParam(dt.Scalar(0.1 * (bv[i] - 0.5)))
	}
	tp := autograd.NewTape()
	var x autograd.Var
	step := func() {
		ws[0].ZeroGrad()
		bs[n-1].ZeroGrad()
		tp.Reset()
		x = tp.ScalarOf(dt, 0.5)
		for i := range ws {
			x = tp.Tanh(tp.Add(tp.Mul(x, ws[i]), bs[i]))
		}
		tp.Backward(x)
	}
	step()
	step()
	check := map[string]float64{"x_final": x.Item(), "dx_dw0": ws[0].Grad().Item(), "dx_db_last": bs[n-1].Grad().Item()}
	s := blocks(step, reps, steps)
	for i := range s {
		s[i] *= 1e9 / (3 * n)
	}
	return result{Workload: "scalar-chain", Unit: "ns/node", Samples: s, Check: check}
}

// matmul is W4: C = A·B for 1024×1024 operands, forward alone and forward +
// backward with upstream gradient G.
func matmul(dt tensor.DType, reps, steps int) []result {
	const n = 1024
	sub := func(seed uint64) *tensor.Tensor {
		v := gen(seed, n*n)
		for i := range v {
			v[i] -= 0.5
		}
		return tensor.New(v, n, n).To(dt)
	}
	A, B, G := sub(31), sub(32), sub(33)
	C := dt.Zeros(n, n)
	fwd := func() { tensor.GemmTo(C, 1, A, tensor.NoTrans, B, tensor.NoTrans, 0) }
	fwd()
	flops := 2.0 * n * n * n
	f := blocks(fwd, reps, steps)
	for i := range f {
		f[i] = flops / f[i] / 1e9
	}
	check := map[string]float64{"c_sum": tensor.Sum(C).Item(), "c00": C.At(0, 0)}
	pa, pb := autograd.NewParam(A), autograd.NewParam(B)
	tp := autograd.NewTape()
	fb := func() {
		pa.ZeroGrad()
		pb.ZeroGrad()
		tp.Reset()
		tp.BackwardWith(tp.MatMul(pa, pb), G)
	}
	fb()
	s := blocks(fb, reps, steps)
	for i := range s {
		s[i] = 3 * flops / s[i] / 1e9
	}
	return []result{
		{Workload: "matmul-fwd", Unit: "GFLOP/s", Samples: f, Check: check},
		{Workload: "matmul-fwdbwd", Unit: "GFLOP/s", Samples: s, Check: map[string]float64{}},
	}
}

// allocs is W5: heap allocations and bytes per steady-state step.
func allocs(name string, t *trainer, steps int) []result {
	t.warm()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for range steps {
		t.step()
	}
	runtime.ReadMemStats(&m1)
	a := float64(m1.Mallocs-m0.Mallocs) / float64(steps)
	b := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(steps)
	return []result{
		{Workload: "alloc-" + name, Unit: "allocs/step", Samples: []float64{a}, Check: map[string]float64{}},
		{Workload: "allocbytes-" + name, Unit: "bytes/step", Samples: []float64{b}, Check: map[string]float64{}},
	}
}

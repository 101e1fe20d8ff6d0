package checkpoint

import (
	"bytes"
	"errors"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// stepper is an optimiser with saveable state.
type stepper interface {
	optim.Optimizer
	Optimizer
}

// train runs n full-batch steps of cross-entropy on a fixed data set (of
// the model's element type) and returns the losses.
func train(model nn.Module, opt stepper, n int) []float64 {
	rng := rand.New(rand.NewPCG(5, 6))
	x := tensor.RandN(rng, 16, 4).To(nn.DType(model))
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = rng.IntN(3)
	}
	tp := autograd.NewTape()
	var losses []float64
	for range n {
		tp.Reset()
		loss := nn.CrossEntropy(tp, model.Forward(tp, tp.Const(x)), labels)
		opt.ZeroGrad()
		tp.Backward(loss)
		opt.Step()
		losses = append(losses, loss.Item())
	}
	return losses
}

// TestResumeBitIdentical trains 20 steps in one run, and 10 steps, a save
// (model and optimiser state), a load into a freshly made model (other
// random weights) and optimiser, and 10 more steps; the weights and the last
// 10 losses must be bit-identical, for every optimiser and the options that
// add state (momentum, Nesterov, AMSGrad, centering, decay), in float64
// and in float32, whose file holds the parameters and the optimiser's
// parameter-shaped buffers as F32.
func TestResumeBitIdentical(t *testing.T) {
	tests := []struct {
		name string
		make func([]autograd.Var) stepper
	}{
		{"GD", func(p []autograd.Var) stepper { return optim.NewGD(p, optim.GDConfig{LR: 0.1}) }},
		{"SGD momentum dampening", func(p []autograd.Var) stepper {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3})
		}},
		{"SGD Nesterov", func(p []autograd.Var) stepper {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
		}},
		{"Adam", func(p []autograd.Var) stepper {
			return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
		}},
		{"Adam AMSGrad L2", func(p []autograd.Var) stepper {
			return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, AMSGrad: true, WeightDecay: 1e-2})
		}},
		{"AdamW", func(p []autograd.Var) stepper {
			return optim.NewAdamW(p, optim.AdamWConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2})
		}},
		{"RMSprop centered momentum", func(p []autograd.Var) stepper {
			return optim.NewRMSprop(p, optim.RMSpropConfig{LR: 0.01, Alpha: 0.99, Eps: 1e-8, Centered: true, Momentum: 0.5, WeightDecay: 1e-3})
		}},
		{"Adagrad", func(p []autograd.Var) stepper {
			return optim.NewAdagrad(p, optim.AdagradConfig{LR: 0.1, LRDecay: 0.01, InitialAccumulatorValue: 0.1, Eps: 1e-10})
		}},
		{"NAdam L2", func(p []autograd.Var) stepper {
			return optim.NewNAdam(p, optim.NAdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3, MomentumDecay: 4e-3})
		}},
		{"RAdam", func(p []autograd.Var) stepper {
			return optim.NewRAdam(p, optim.RAdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
		}},
	}
	for _, tc := range tests {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			t.Run(tc.name+"/"+dt.String(), func(t *testing.T) {
				resumeBitIdentical(t, tc.make, dt)
			})
		}
	}
}

// resumeBitIdentical is one row of TestResumeBitIdentical: models of
// element type dt, optimisers made by newOpt.
func resumeBitIdentical(t *testing.T, newOpt func([]autograd.Var) stepper, dt tensor.DType) {
	newModel := func(seed uint64) *nn.Sequential {
		m := nn.NewMLP(rand.New(rand.NewPCG(seed, 2)), []int{4, 8, 3}, nn.Tanh(), nil)
		nn.To(m, dt)
		return m
	}
	one := newModel(1)
	wantLosses := train(one, newOpt(nn.Params(one)), 20)[10:]

	first := newModel(1)
	opt := newOpt(nn.Params(first))
	train(first, opt, 10)
	p := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := Save(p, first, WithOptimizer(opt)); err != nil {
		t.Fatal(err)
	}
	want := map[tensor.DType]DType{tensor.Float64: F64, tensor.Float32: F32}[dt]
	for name, r := range rawFile(t, p) {
		if len(r.Shape) > 0 && r.DType != want { // parameters and buffers; 0-d step counts are the optimiser's choice
			t.Errorf("%s stored as %s, want %s", name, r.DType, want)
		}
	}

	resumed := newModel(77)
	opt2 := newOpt(nn.Params(resumed))
	if err := Load(p, resumed, WithOptimizer(opt2)); err != nil {
		t.Fatal(err)
	}
	gotLosses := train(resumed, opt2, 10)
	if diff := cmp.Diff(wantLosses, gotLosses); diff != "" {
		t.Errorf("losses of steps 11–20 (-one run +resumed):\n%s", diff)
	}
	if diff := cmp.Diff(paramBits(one), paramBits(resumed)); diff != "" {
		t.Errorf("weights after 20 steps (-one run +resumed):\n%s", diff)
	}
}

// TestResumeNeedsState shows the test above has teeth: resuming Adam without
// its state (a fresh optimiser) does not reproduce the one-run weights.
func TestResumeNeedsState(t *testing.T) {
	newModel := func(seed uint64) *nn.Sequential {
		return nn.NewMLP(rand.New(rand.NewPCG(seed, 2)), []int{4, 8, 3}, nn.Tanh(), nil)
	}
	mk := func(p []autograd.Var) stepper {
		return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	}
	one := newModel(1)
	train(one, mk(nn.Params(one)), 20)
	first := newModel(1)
	train(first, mk(nn.Params(first)), 10)
	p := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := Save(p, first); err != nil {
		t.Fatal(err)
	}
	resumed := newModel(77)
	if err := Load(p, resumed); err != nil {
		t.Fatal(err)
	}
	train(resumed, mk(nn.Params(resumed)), 10)
	if cmp.Equal(paramBits(one), paramBits(resumed)) {
		t.Error("resuming Adam without its moments gave the one-run weights; the resume test cannot tell")
	}
}

// dropoutModel is a 4-8-3 network with Dropout(0.3) after its hidden
// layer. Its weights come from seed; the dropout rng is dropRNG, or, if nil,
// the weights' rng after initialisation (one rng shared, a common pattern).
func dropoutModel(seed uint64, dropRNG *rand.Rand) *nn.Sequential {
	rng := rand.New(rand.NewPCG(seed, 2))
	l1, l2 := nn.NewLinear(rng, 4, 8, nil), nn.NewLinear(rng, 8, 3, nil)
	if dropRNG == nil {
		dropRNG = rng
	}
	return nn.NewSequential(l1, nn.Tanh(), nn.NewDropout(dropRNG, 0.3), l2)
}

// trainScheduled is train with a schedule stepped after every step.
func trainScheduled(model nn.Module, opt stepper, sched interface{ Step() }, n int) []float64 {
	var losses []float64
	for range n {
		losses = append(losses, train(model, opt, 1)...)
		sched.Step()
	}
	return losses
}

// TestResumeDropoutSchedule trains 20 steps with Dropout and an LR schedule
// in one run, and 10 steps, a save, a load into a freshly made model,
// optimiser and schedule, and 10 more steps: losses and weights must be
// bit-identical. The rows cover a dropout rng of its own (the resumed
// model has other weights) and one shared with initialisation (the resumed
// model is made with the same seed), and each optimiser with a schedule,
// and two float32 models.
func TestResumeDropoutSchedule(t *testing.T) {
	adam := func(p []autograd.Var) stepper {
		return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	}
	sgd := func(p []autograd.Var) stepper {
		return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	}
	step := func(o optim.LRSetter) Schedule { return optim.NewStepLR(o, 3, 0.5) }
	cosine := func(o optim.LRSetter) Schedule { return optim.NewCosineAnnealingLR(o, 15, 1e-4) }
	warm := func(o optim.LRSetter) Schedule { return optim.NewLinearWarmup(o, 0.1, 12) }
	expo := func(o optim.LRSetter) Schedule { return optim.NewExponentialLR(o, 0.9) }
	onecycle := func(o optim.LRSetter) Schedule { return optim.NewOneCycleLR(o, optim.OneCycleDefaults(0.05, 20)) }
	seq := func(o optim.LRSetter) Schedule {
		return optim.NewSequentialLR(o, []optim.Schedule{optim.NewLinearWarmup(o, 0.1, 4), optim.NewCosineAnnealingLR(o, 16, 0)}, []int{4})
	}
	chain := func(o optim.LRSetter) Schedule {
		return optim.NewChainedScheduler(optim.NewLinearWarmup(o, 0.1, 4), optim.NewExponentialLR(o, 0.9))
	}
	ownRNG := func(seed uint64) *nn.Sequential { return dropoutModel(seed, rand.New(rand.NewPCG(9, 9))) }
	sharedRNG := func(uint64) *nn.Sequential { return dropoutModel(1, nil) }
	float32Of := func(f func(uint64) *nn.Sequential) func(uint64) *nn.Sequential {
		return func(seed uint64) *nn.Sequential { m := f(seed); nn.To(m, tensor.Float32); return m }
	}
	tests := []struct {
		name  string
		model func(seed uint64) *nn.Sequential
		opt   func([]autograd.Var) stepper
		sched func(optim.LRSetter) Schedule
	}{
		{"Adam StepLR own rng", ownRNG, adam, step},
		{"Adam StepLR shared rng", sharedRNG, adam, step},
		{"SGD cosine", ownRNG, sgd, cosine},
		{"Adam warmup", ownRNG, adam, warm},
		{"SGD exponential shared rng", sharedRNG, sgd, expo},
		{"Adam OneCycle (cycles β₁)", ownRNG, adam, onecycle},
		{"SGD OneCycle (cycles momentum)", ownRNG, sgd, onecycle},
		{"Adam sequential", ownRNG, adam, seq},
		{"SGD chained", ownRNG, sgd, chain},
		{"float32 Adam StepLR own rng", float32Of(ownRNG), adam, step},
		{"float32 SGD OneCycle shared rng", float32Of(sharedRNG), sgd, onecycle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			one := tc.model(1)
			oneOpt := tc.opt(nn.Params(one))
			wantLosses := trainScheduled(one, oneOpt, tc.sched(oneOpt.(optim.LRSetter)).(interface{ Step() }), 20)[10:]

			first := tc.model(1)
			opt := tc.opt(nn.Params(first))
			sched := tc.sched(opt.(optim.LRSetter))
			trainScheduled(first, opt, sched.(interface{ Step() }), 10)
			p := filepath.Join(t.TempDir(), "ckpt.safetensors")
			if err := Save(p, first, WithOptimizer(opt), WithSchedule(sched)); err != nil {
				t.Fatal(err)
			}

			resumed := tc.model(77)
			opt2 := tc.opt(nn.Params(resumed))
			sched2 := tc.sched(opt2.(optim.LRSetter))
			if err := Load(p, resumed, WithOptimizer(opt2), WithSchedule(sched2)); err != nil {
				t.Fatal(err)
			}
			if sched2.Epoch() != 10 {
				t.Errorf("resumed schedule at epoch %d, want 10", sched2.Epoch())
			}
			gotLosses := trainScheduled(resumed, opt2, sched2.(interface{ Step() }), 10)
			if diff := cmp.Diff(wantLosses, gotLosses); diff != "" {
				t.Errorf("losses of steps 11–20 (-one run +resumed):\n%s", diff)
			}
			if diff := cmp.Diff(paramBits(one), paramBits(resumed)); diff != "" {
				t.Errorf("weights after 20 steps (-one run +resumed):\n%s", diff)
			}
		})
	}
}

// TestResumeNeedsDropoutAndSchedule shows the test above has teeth: a
// resume that restores the optimiser but not the dropout rng (the model
// loaded without training state, then trained with a fresh optimiser given
// the loaded state separately) or not the schedule differs from one run.
func TestResumeNeedsDropoutAndSchedule(t *testing.T) {
	mk := func(seed uint64) *nn.Sequential { return dropoutModel(seed, rand.New(rand.NewPCG(9, 9))) }
	adam := func(p []autograd.Var) *optim.Adam {
		return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	}
	one := mk(1)
	oneOpt := adam(nn.Params(one))
	trainScheduled(one, oneOpt, optim.NewStepLR(oneOpt, 3, 0.5), 20)
	first := mk(1)
	opt := adam(nn.Params(first))
	sched := optim.NewStepLR(opt, 3, 0.5)
	trainScheduled(first, opt, sched, 10)
	p := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := Save(p, first, WithOptimizer(opt), WithSchedule(sched)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		restore func(m *nn.Sequential, o *optim.Adam, s *optim.StepLR) error
	}{
		{"schedule not restored", func(m *nn.Sequential, o *optim.Adam, s *optim.StepLR) error {
			return Load(p, m, WithOptimizer(o))
		}},
		{"dropout rng not restored", func(m *nn.Sequential, o *optim.Adam, s *optim.StepLR) error {
			if err := Load(p, m); err != nil { // parameters only
				return err
			}
			f, err := ReadFile(p)
			if err != nil {
				return err
			}
			state := map[string]*tensor.Tensor{}
			for name, v := range f.Tensors {
				if k, ok := strings.CutPrefix(name, OptimPrefix); ok {
					state[k] = v
				}
			}
			s.SetEpoch(10)
			return o.LoadStateTensors(state)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resumed := mk(77)
			o := adam(nn.Params(resumed))
			s := optim.NewStepLR(o, 3, 0.5)
			if err := tc.restore(resumed, o, s); err != nil {
				t.Fatal(err)
			}
			trainScheduled(resumed, o, s, 10)
			if cmp.Equal(paramBits(one), paramBits(resumed)) {
				t.Error("the partial resume gave the one-run weights; the resume test cannot tell")
			}
		})
	}
}

// TestResumeStateMismatch loads training state that cannot be restored:
// each is an error wrapping ErrMismatch, and nothing changes.
func TestResumeStateMismatch(t *testing.T) {
	mk := func() *nn.Sequential { return dropoutModel(1, rand.New(rand.NewPCG(9, 9))) }
	first := mk()
	opt := optim.NewAdam(nn.Params(first), optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	sched := optim.NewStepLR(opt, 3, 0.5)
	trainScheduled(first, opt, sched, 5) // 5 steps × 16 × 8 = 640 draws
	var buf bytes.Buffer
	if err := Write(&buf, first, WithOptimizer(opt), WithSchedule(sched)); err != nil {
		t.Fatal(err)
	}
	saved, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.Metadata[MetaDraws]; got != "640" {
		t.Fatalf("%s = %q, want 640", MetaDraws, got)
	}
	withMD := func(k, v string) *File {
		f := *saved
		f.Metadata = maps.Clone(saved.Metadata)
		if v == "" {
			delete(f.Metadata, k)
		} else {
			f.Metadata[k] = v
		}
		return &f
	}
	tests := []struct {
		name  string
		file  *File
		model func() *nn.Sequential
		opts  []Option
		want  string
	}{
		{"rng cannot rewind", saved, func() *nn.Sequential { m := mk(); trainOnly(m, 6); return m }, nil, "cannot be rewound"},
		{"draws not recorded", withMD(MetaDraws, ""), mk, nil, "records the rng position of 0 Dropout layers"},
		{"draws not a count", withMD(MetaDraws, "-1"), mk, nil, "is not a count"},
		{"two counts for one layer", withMD(MetaDraws, "1,2"), mk, nil, "of 2 Dropout layers"},
		{"draws over the limit", withMD(MetaDraws, "1000000000000"), mk, nil, "WithMaxDraws"},
		{"draws over a lowered limit", saved, mk, []Option{WithMaxDraws(100)}, "more than 100 numbers"},
		{"other schedule", withMD(MetaSchedule, "*optim.ExponentialLR"), mk, nil, "position of *optim.ExponentialLR, not *optim.StepLR"},
		{"no schedule", withMD(MetaSchedule, ""), mk, nil, "position of no schedule"},
		{"bad epoch", withMD(MetaScheduleEpoch, "-3"), mk, nil, "is not an epoch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model()
			o := optim.NewAdam(nn.Params(m), optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
			s := optim.NewStepLR(o, 3, 0.5)
			before, draws, stBefore := paramBits(m), dropoutDraws(m), o.StateTensors()
			err := Apply(tc.file, m, append([]Option{WithOptimizer(o), WithSchedule(s)}, tc.opts...)...)
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Apply = %v, want an error wrapping ErrMismatch containing %q", err, tc.want)
			}
			if diff := cmp.Diff(before, paramBits(m)); diff != "" {
				t.Errorf("the model changed:\n%s", diff)
			}
			if got := dropoutDraws(m); got != draws {
				t.Errorf("the dropout layer drew %d numbers, want %d", got, draws)
			}
			if diff := cmp.Diff(stBefore, o.StateTensors(), cmp.Comparer(tensorsEqual)); diff != "" {
				t.Errorf("the optimiser changed:\n%s", diff)
			}
			if s.Epoch() != 0 || o.LR() != 0.01 {
				t.Errorf("the schedule moved to epoch %d, rate %g", s.Epoch(), o.LR())
			}
		})
	}
	t.Run("parameters only ignore training state", func(t *testing.T) {
		m := mk()
		trainOnly(m, 6) // past the file: fine when not resuming
		if err := Apply(saved, m); err != nil {
			t.Fatal(err)
		}
	})
}

// trainOnly runs n forward passes of m in training mode (drawing masks).
func trainOnly(m nn.Module, n int) {
	x := tensor.RandN(rand.New(rand.NewPCG(5, 6)), 16, 4)
	for range n {
		m.Forward(nil, autograd.Const(x))
	}
}

func dropoutDraws(m nn.Module) uint64 {
	var n uint64
	for _, d := range drawers(m) {
		n += d.Draws()
	}
	return n
}

// plateauMetrics is the metric given to ReduceLROnPlateau after each of 20
// steps. With plateauCfg (patience 1, cooldown 1, factor 0.5, any strict
// fall counts) the rate halves after epochs 4 and 7, before the save after
// epoch 10, where one bad epoch is pending, and after epochs 11 and 15.
var plateauMetrics = []float64{5, 4, 4, 4, 3, 3, 3, 3, 2.5, 2.5, 2.5, 2.5, 2, 2, 2, 1.5, 1.5, 1, 1, 1}

func plateauCfg() optim.PlateauConfig {
	return optim.PlateauConfig{Mode: optim.PlateauMin, Factor: 0.5, Patience: 1,
		ThresholdMode: optim.ThresholdAbs, Cooldown: 1}
}

func plateauAdam(p []autograd.Var) *optim.Adam {
	return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
}

// trainPlateau runs the steps from..to-1, each followed by the schedule's
// Step with that epoch's metric, and returns the losses and the rates in
// use at each step.
func trainPlateau(model nn.Module, opt *optim.Adam, s *optim.ReduceLROnPlateau, from, to int) (losses, rates []float64) {
	for i := from; i < to; i++ {
		rates = append(rates, opt.LR())
		losses = append(losses, train(model, opt, 1)...)
		s.Step(plateauMetrics[i])
	}
	return losses, rates
}

// TestResumePlateau trains 20 steps with Adam and ReduceLROnPlateau in one
// run, and 10 steps, a save, a load into a freshly made model, optimiser
// and schedule, and 10 more: losses, rates, weights and the schedule's state
// must be bit-identical, with reductions on both sides of the save. A
// resume without the schedule differs.
func TestResumePlateau(t *testing.T) {
	mk := func(seed uint64) *nn.Sequential { return dropoutModel(seed, rand.New(rand.NewPCG(9, 9))) }
	one := mk(1)
	oneOpt := plateauAdam(nn.Params(one))
	oneSched := optim.NewReduceLROnPlateau(oneOpt, plateauCfg())
	losses, rates := trainPlateau(one, oneOpt, oneSched, 0, 20)
	reductions := func(rs []float64) (n int) {
		for i := 1; i < len(rs); i++ {
			if rs[i] < rs[i-1] {
				n++
			}
		}
		return n
	}
	if before, after := reductions(rates[:11]), reductions(rates[10:]); before < 1 || after < 1 {
		t.Fatalf("rates %v: %d reductions up to the save, %d after; want at least one each", rates, before, after)
	}

	first := mk(1)
	opt := plateauAdam(nn.Params(first))
	sched := optim.NewReduceLROnPlateau(opt, plateauCfg())
	trainPlateau(first, opt, sched, 0, 10)
	if st := sched.State(); st.BadEpochs == 0 {
		t.Fatalf("state at the save %+v: want a bad epoch pending", st)
	}
	p := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := Save(p, first, WithOptimizer(opt), WithSchedule(sched)); err != nil {
		t.Fatal(err)
	}

	resumed := mk(77)
	opt2 := plateauAdam(nn.Params(resumed))
	sched2 := optim.NewReduceLROnPlateau(opt2, plateauCfg())
	if err := Load(p, resumed, WithOptimizer(opt2), WithSchedule(sched2)); err != nil {
		t.Fatal(err)
	}
	if sched2.State() != sched.State() || opt2.LR() != opt.LR() {
		t.Errorf("loaded state %+v, rate %v; saved %+v, rate %v", sched2.State(), opt2.LR(), sched.State(), opt.LR())
	}
	gotLosses, gotRates := trainPlateau(resumed, opt2, sched2, 10, 20)
	if diff := cmp.Diff(losses[10:], gotLosses); diff != "" {
		t.Errorf("losses of steps 11–20 (-one run +resumed):\n%s", diff)
	}
	if diff := cmp.Diff(rates[10:], gotRates); diff != "" {
		t.Errorf("rates of steps 11–20 (-one run +resumed):\n%s", diff)
	}
	if diff := cmp.Diff(paramBits(one), paramBits(resumed)); diff != "" {
		t.Errorf("weights after 20 steps (-one run +resumed):\n%s", diff)
	}
	if sched2.State() != oneSched.State() {
		t.Errorf("schedule state after 20 steps %+v, one run %+v", sched2.State(), oneSched.State())
	}

	t.Run("schedule not restored", func(t *testing.T) {
		m := mk(77)
		o := plateauAdam(nn.Params(m))
		s := optim.NewReduceLROnPlateau(o, plateauCfg())
		if err := Load(p, m, WithOptimizer(o)); err != nil {
			t.Fatal(err)
		}
		trainPlateau(m, o, s, 10, 20)
		if cmp.Equal(paramBits(one), paramBits(m)) {
			t.Error("resuming without the schedule gave the one-run weights; the test cannot tell")
		}
	})
}

// TestResumePlateauMismatch loads plateau state that does not fit: each is
// an error wrapping ErrMismatch, and the model, the optimiser (its state and
// rate) and the schedule are unchanged.
func TestResumePlateauMismatch(t *testing.T) {
	mk := func() *nn.Sequential { return dropoutModel(1, rand.New(rand.NewPCG(9, 9))) }
	save := func(withPlateau bool) *File {
		m := mk()
		o := plateauAdam(nn.Params(m))
		var s Schedule = optim.NewStepLR(o, 3, 0.5)
		if withPlateau {
			ps := optim.NewReduceLROnPlateau(o, plateauCfg())
			trainPlateau(m, o, ps, 0, 10)
			s = ps
		} else {
			trainScheduled(m, o, s.(*optim.StepLR), 5)
		}
		var buf bytes.Buffer
		if err := Write(&buf, m, WithOptimizer(o), WithSchedule(s)); err != nil {
			t.Fatal(err)
		}
		f, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	plateauFile, stepFile := save(true), save(false)
	if got := plateauFile.Metadata[MetaScheduleState+"lr"]; got != "0.0025" {
		t.Fatalf("%slr = %q, want 0.0025", MetaScheduleState, got)
	}
	edit := func(f *File, k, v string) *File {
		g := *f
		g.Metadata = maps.Clone(f.Metadata)
		if v == "" {
			delete(g.Metadata, k)
		} else {
			g.Metadata[k] = v
		}
		return &g
	}
	noState := edit(plateauFile, "", "")
	for k := range noState.Metadata {
		if strings.HasPrefix(k, MetaScheduleState) {
			delete(noState.Metadata, k)
		}
	}
	noOptimStep := *plateauFile
	noOptimStep.Tensors = maps.Clone(plateauFile.Tensors)
	delete(noOptimStep.Tensors, OptimPrefix+"0.step")

	tests := []struct {
		name    string
		file    *File
		plateau bool // load WithSchedule(a plateau), else a StepLR
		want    string
	}{
		{"plateau file into StepLR", plateauFile, false, "position of *optim.ReduceLROnPlateau, not *optim.StepLR"},
		{"StepLR file into plateau", stepFile, true, "position of *optim.StepLR, not *optim.ReduceLROnPlateau"},
		{"no state", noState, true, "not its state"},
		{"a value missing", edit(plateauFile, MetaScheduleState+"cooldown_counter", ""), true, "want best, cooldown_counter"},
		{"an unknown value", edit(plateauFile, MetaScheduleState+"eps", "1"), true, "values best, cooldown_counter, eps"},
		{"not a number", edit(plateauFile, MetaScheduleState+"best", "x"), true, "is not a number"},
		{"negative count", edit(plateauFile, MetaScheduleState+"num_bad_epochs", "-1"), true, "is not a count"},
		{"fractional count", edit(plateauFile, MetaScheduleState+"cooldown_counter", "0.5"), true, "is not a count"},
		{"infinite rate", edit(plateauFile, MetaScheduleState+"lr", "+Inf"), true, "is not a rate"},
		{"optimiser state rejected after the schedule's", &noOptimStep, true, "0.step"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mk()
			o := plateauAdam(nn.Params(m))
			var s Schedule = optim.NewStepLR(o, 3, 0.5)
			ps := optim.NewReduceLROnPlateau(o, plateauCfg())
			if tc.plateau {
				s = ps
			}
			before, stBefore, psBefore := paramBits(m), o.StateTensors(), ps.State()
			err := Apply(tc.file, m, WithOptimizer(o), WithSchedule(s))
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Apply = %v, want an error wrapping ErrMismatch containing %q", err, tc.want)
			}
			if diff := cmp.Diff(before, paramBits(m)); diff != "" {
				t.Errorf("the model changed:\n%s", diff)
			}
			if diff := cmp.Diff(stBefore, o.StateTensors(), cmp.Comparer(tensorsEqual)); diff != "" {
				t.Errorf("the optimiser changed:\n%s", diff)
			}
			if o.LR() != 0.01 || s.Epoch() != 0 || ps.State() != psBefore {
				t.Errorf("rate %v, epoch %d, plateau state %+v; want 0.01, 0, %+v", o.LR(), s.Epoch(), ps.State(), psBefore)
			}
		})
	}
}

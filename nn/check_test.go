package nn_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// gain multiplies its input (N, k) by a learnt gain (k) through a custom
// op whose derivative in the gain is doubled at element wrong (none when
// wrong is −1): a layer with a deliberate bug for CheckModel to find.
type gain struct {
	Gain  autograd.Var
	wrong int
}

func newGain(k, wrong int) *gain {
	g := tensor.RandU(rand.New(rand.NewPCG(7, 8)), 0.5, 1.5, k)
	return &gain{Gain: autograd.NewParam(g), wrong: wrong}
}

func (g *gain) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	k := g.Gain.Shape()[0]
	mask := tensor.Ones(k)
	if g.wrong >= 0 {
		mask.Data()[g.wrong] = 2 // the bug
	}
	op := &autograd.CustomOp{
		Name:    "gain",
		Forward: func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Mul(in[0], in[1]) },
		Backward: func(tp *autograd.Tape, in []autograd.Var, _, g autograd.Var) []autograd.Var {
			return []autograd.Var{tp.Mul(g, in[1]), tp.Mul(tp.Sum(tp.Mul(g, in[0]), 0), tp.Const(mask))}
		},
	}
	return tp.Apply(op, x, g.Gain)
}

func (g *gain) NamedParams() []nn.NamedParam { return nn.FieldParams(g) }

// checkData is a small fixed batch: 4 inputs of 3 features, 2 classes.
var (
	checkX      = tensor.RandN(rand.New(rand.NewPCG(9, 10)), 4, 3)
	checkLabels = []int{0, 1, 1, 0}
)

// mlp is a 3-4-2 tanh network (tanh: smooth, so central differences hold
// everywhere).
func mlp() *nn.Sequential { return nn.NewMLP(tapegradtest.NewRNG(), []int{3, 4, 2}, nn.Tanh(), nil) }

// ceLoss is the cross-entropy of m on the fixed batch.
func ceLoss(m nn.Module) func(*autograd.Tape, []autograd.Var) autograd.Var {
	return func(tp *autograd.Tape, _ []autograd.Var) autograd.Var {
		return nn.CrossEntropy(tp, m.Forward(tp, tp.Const(checkX)), checkLabels)
	}
}

// checkCNN returns Conv2d → BatchNorm2d (evaluation mode, with running
// statistics that are not the identity's) → tanh → Flatten → Linear, on
// (2, 1, 5, 5) images, and its cross-entropy on a fixed batch.
func checkCNN() (nn.Module, func(*autograd.Tape, []autograd.Var) autograd.Var) {
	rng := tapegradtest.NewRNG()
	bn := nn.NewBatchNorm2d(nn.NormDefaults(), 2)
	bn.RunningMean.SetValue(tensor.New([]float64{0.1, -0.2}, 2))
	bn.RunningVar.SetValue(tensor.New([]float64{0.5, 2}, 2))
	m := nn.NewSequential(
		nn.NewConv2d(rng, 1, 2, [2]int{3, 3}, tensor.Conv2dDefaults()),
		bn, nn.Tanh(), nn.NewFlatten(),
		nn.NewLinear(rng, 2*3*3, 3, nil),
	)
	nn.SetTraining(m, false)
	x := tensor.RandN(rand.New(rand.NewPCG(11, 12)), 2, 1, 5, 5)
	return m, func(tp *autograd.Tape, _ []autograd.Var) autograd.Var {
		return nn.CrossEntropy(tp, m.Forward(tp, tp.Const(x)), []int{2, 0})
	}
}

// reportNames returns the names in rep and the failing ones.
func reportNames(rep nn.ModelReport) (names, failed []string) {
	for _, p := range rep.Params {
		names = append(names, p.Name)
		if !p.OK {
			failed = append(failed, p.Name)
		}
	}
	return names, failed
}

// TestCheckModel: right models pass at first and second order, a model
// with a wrong derivative fails and the report names its parameter.
func TestCheckModel(t *testing.T) {
	cnn, cnnLoss := checkCNN()
	buggy := nn.NewSequential(nn.NewLinear(tapegradtest.NewRNG(), 3, 2, nil), newGain(2, 1), nn.Tanh())
	right := nn.NewSequential(nn.NewLinear(tapegradtest.NewRNG(), 3, 2, nil), newGain(2, -1), nn.Tanh())
	withInput := mlp()
	tests := []struct {
		name       string
		m          nn.Module
		loss       func(*autograd.Tape, []autograd.Var) autograd.Var
		opts       *nn.CheckModelOptions
		wantNames  []string
		wantFailed []string
	}{
		{"MLP", mlp(), nil, nil, []string{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"}, nil},
		{"MLP second order", mlp(), nil, &nn.CheckModelOptions{SecondOrder: true}, []string{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"}, nil},
		{"CNN", cnn, cnnLoss, nil, []string{"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.4.weight", "layers.4.bias"}, nil},
		{"CNN sampled", cnn, cnnLoss, &nn.CheckModelOptions{MaxElements: 4}, []string{"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.4.weight", "layers.4.bias"}, nil},
		{"MLP second order sampled", mlp(), nil, &nn.CheckModelOptions{SecondOrder: true, MaxElements: 3, Seed: 4}, []string{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"}, nil},
		{"wrong derivative sampled", buggy, nil, &nn.CheckModelOptions{MaxElements: 1}, []string{"layers.0.weight", "layers.0.bias", "layers.1.gain"}, nil}, // seed 0 samples the gain's element 0, so its bug at element 1 goes unseen: a sample, not a proof
		{"custom op", right, nil, nil, []string{"layers.0.weight", "layers.0.bias", "layers.1.gain"}, nil},
		{"custom op second order", right, nil, &nn.CheckModelOptions{SecondOrder: true}, []string{"layers.0.weight", "layers.0.bias", "layers.1.gain"}, nil},
		{"wrong derivative", buggy, nil, nil, []string{"layers.0.weight", "layers.0.bias", "layers.1.gain"}, []string{"layers.1.gain"}},
		{"wrong derivative second order", buggy, nil, &nn.CheckModelOptions{SecondOrder: true}, []string{"layers.0.weight", "layers.0.bias", "layers.1.gain"}, []string{"layers.1.gain"}},
		{"some parameters", buggy, nil, &nn.CheckModelOptions{Params: []string{"layers.0.bias"}}, []string{"layers.0.bias"}, nil},
		{"inputs", withInput, func(tp *autograd.Tape, in []autograd.Var) autograd.Var {
			return nn.CrossEntropy(tp, withInput.Forward(tp, in[0]), checkLabels)
		}, &nn.CheckModelOptions{Inputs: []*tensor.Tensor{checkX}, Params: []string{"layers.2.bias"}}, []string{"layers.2.bias", "inputs[0]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loss := tt.loss
			if loss == nil {
				loss = ceLoss(tt.m)
			}
			values := map[string]*tensor.Tensor{}
			for _, np := range tt.m.NamedParams() {
				values[np.Name] = np.Var.Value().Copy()
			}
			for _, p := range nn.Params(tt.m) {
				p.SetGrad(nil)
			}
			rep, err := nn.CheckModel(tt.m, loss, tt.opts)
			for _, p := range nn.Params(tt.m) {
				if p.Grad() != nil {
					t.Errorf("%s got a gradient", p.Name())
				}
			}
			names, failed := reportNames(rep)
			if d := cmp.Diff(tt.wantNames, names); d != "" {
				t.Errorf("names (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantFailed, failed); d != "" {
				t.Errorf("failed (-want +got):\n%s\n%v", d, rep)
			}
			if (err != nil) != (tt.wantFailed != nil) || rep.OK != (tt.wantFailed == nil) {
				t.Fatalf("got OK %t and error %v, want failures %v", rep.OK, err, tt.wantFailed)
			}
			if err != nil {
				if !errors.Is(err, autograd.ErrGradCheck) {
					t.Errorf("got %v, want it to wrap autograd.ErrGradCheck", err)
				}
				for _, n := range tt.wantFailed {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("got %q, want it to name %s", err, n)
					}
				}
			}
			if got := len(strings.Split(rep.String(), "\n")); got != len(rep.Params) {
				t.Errorf("String has %d lines, want %d:\n%v", got, len(rep.Params), rep)
			}
			for _, p := range rep.Params {
				want := p.Size
				if tt.opts != nil && tt.opts.MaxElements > 0 {
					want = min(want, tt.opts.MaxElements)
				}
				if p.Checked != want {
					t.Errorf("%s: checked %d of %d elements, want %d", p.Name, p.Checked, p.Size, want)
				}
			}
			for _, np := range tt.m.NamedParams() { // buffers too
				if d := tapegradtest.Diff(values[np.Name], np.Var.Value()); d != "" {
					t.Errorf("%s changed:\n%s", np.Name, d)
				}
			}
		})
	}
}

// TestCheckModelSample: with a sample, a wrong element is found exactly
// when it is sampled, and reported by its index in the parameter.
func TestCheckModelSample(t *testing.T) {
	m := nn.NewSequential(nn.NewLinear(tapegradtest.NewRNG(), 3, 4, nil), newGain(4, 2), nn.Tanh())
	full, err := nn.CheckModel(m, ceLoss(m), &nn.CheckModelOptions{Params: []string{"layers.1.gain"}})
	if err == nil || !slices.Equal(full.Params[0].Element, []int{2}) {
		t.Fatalf("full check: got %v, %v, want a failure at element [2]", full, err)
	}
	var hits, misses int
	for seed := range uint64(10) {
		rep, err := nn.CheckModel(m, ceLoss(m), &nn.CheckModelOptions{Params: []string{"layers.1.gain"}, MaxElements: 2, Seed: seed})
		p := rep.Params[0]
		if p.Checked != 2 || p.Size != 4 {
			t.Errorf("seed %d: checked %d of %d, want 2 of 4", seed, p.Checked, p.Size)
		}
		if err != nil {
			hits++
			if !slices.Equal(p.Element, []int{2}) {
				t.Errorf("seed %d: got worst element %v, want [2]", seed, p.Element)
			}
		} else {
			misses++
		}
	}
	// a 2-of-4 sample holds element 2 half the time: ten seeds see both
	if hits == 0 || misses == 0 {
		t.Errorf("got %d samples finding the wrong element and %d missing it, want some of each", hits, misses)
	}
}

// TestCheckModelPanics: misuse panics with the documented sentinels.
func TestCheckModelPanics(t *testing.T) {
	m := mlp()
	bn := nn.NewSequential(nn.NewBatchNorm1d(nn.NormDefaults(), 3))
	frozen := mlp()
	frozen.Layers[0].(*nn.Linear).W.SetRequiresGrad(false)
	tests := []struct {
		name string
		m    nn.Module
		loss func(*autograd.Tape, []autograd.Var) autograd.Var
		opts *nn.CheckModelOptions
		want error
		says string
	}{
		{"nil module", nil, ceLoss(m), nil, nn.ErrArg, "nil module"},
		{"nil loss", m, nil, nil, nn.ErrArg, "nil loss"},
		{"negative MaxElements", m, ceLoss(m), &nn.CheckModelOptions{MaxElements: -1}, nn.ErrArg, "MaxElements"},
		{"nil input", m, ceLoss(m), &nn.CheckModelOptions{Inputs: []*tensor.Tensor{nil}}, nn.ErrArg, "input 0"},
		{"unknown name", m, ceLoss(m), &nn.CheckModelOptions{Params: []string{"layers.7.weight"}}, nn.ErrArg, "layers.7.weight"},
		{"buffer", bn, ceLoss(bn), &nn.CheckModelOptions{Params: []string{"layers.0.running_mean"}}, nn.ErrArg, "buffer"},
		{"frozen", frozen, ceLoss(frozen), &nn.CheckModelOptions{Params: []string{"layers.0.weight"}}, nn.ErrArg, "frozen"},
		{"nothing to check", nn.NewSequential(nn.Tanh()), ceLoss(m), nil, nn.ErrArg, "nothing to check"},
		{"vector loss", m, func(tp *autograd.Tape, _ []autograd.Var) autograd.Var {
			return m.Forward(tp, tp.Const(checkX))
		}, nil, tensor.ErrShape, "one element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tapegradtest.Catch(func() { _, _ = nn.CheckModel(tt.m, tt.loss, tt.opts) })
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "nn.CheckModel") {
				t.Errorf("got %v, want a panic wrapping %v naming nn.CheckModel and saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func init() {
	loss := func(*autograd.Tape, []autograd.Var) autograd.Var { return autograd.Var{} }
	moreNilRows["CheckModel"] = []func(){
		func() { _, _ = nn.CheckModel(nil, nil, nil) },
		func() { _, _ = nn.CheckModel(mlp(), nil, nil) },
		func() { _, _ = nn.CheckModel(mlp(), loss, nil) },
		func() { _, _ = nn.CheckModel(mlp(), loss, &nn.CheckModelOptions{Inputs: []*tensor.Tensor{nil}}) },
		func() { _, _ = nn.CheckModel(new(nn.Linear), loss, nil) },
		func() { _, _ = nn.CheckModel(&nn.Sequential{Layers: []nn.Module{nil}}, loss, nil) },
	}
	moreNilRows["ModelReport.String"] = []func(){func() { _ = nn.ModelReport{}.String() }}
	moreNilRows["ParamReport.String"] = []func(){func() { _ = nn.ParamReport{}.String() }}
}

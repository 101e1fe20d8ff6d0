package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference data, testdata/trajectories.json, is written by
// testdata/make_trajectories.py with PyTorch (see its header).
type reference struct {
	TorchVersion string `json:"torch_version"`
	Problem      struct {
		X, Y, W0 [][]float64
		B0       []float64 `json:"b0"`
		Steps    int
	}
	Runs      []refRun
	Runs32    []refRun `json:"runs32"`     // the runs with float32 parameters
	RunsMixed []refRun `json:"runs_mixed"` // W float32, b float64
	Schedules []refSchedule
	Clips     []refClip
	Clips32   []refClip `json:"clips32"` // the clipping runs with float32 gradients
	Composed  []refComposed
	Plateaus  []refPlateau
}

// refComposed is a composed schedule (SequentialLR, ChainedScheduler,
// OneCycleLR) on SGD with momentum: spec is [kind, kwargs].
type refComposed struct {
	Name     string
	Spec     []any
	BaseLR   float64   `json:"base_lr"`
	Momentum float64   `json:"momentum"`
	LRs      []float64 `json:"lrs"`
	Momenta  []float64
}

// refPlateau is a ReduceLROnPlateau run; a nil metric is NaN.
type refPlateau struct {
	Name    string
	Kwargs  map[string]any
	BaseLR  float64 `json:"base_lr"`
	Metrics []*float64
	LRs     []float64 `json:"lrs"`
}

type refRun struct {
	Name, Optimizer string
	Kwargs          map[string]any
	SkipB           bool `json:"skip_b"`
	Defaults        bool
	Schedule        *struct {
		Kind   string
		Kwargs map[string]any
	}
	LRs        []float64 `json:"lrs"`
	Trajectory [][]float64
}

type refSchedule struct {
	Name, Kind string
	Kwargs     map[string]any
	BaseLR     float64   `json:"base_lr"`
	LRs        []float64 `json:"lrs"`
	ClosedForm []float64 `json:"closed_form"`
}

type refClip struct {
	Name, Kind string
	Value      float64
	Grads      [][]float64 // nil rows: no gradient
	TotalNorm  *float64    `json:"total_norm"`
	Clipped    [][]float64
}

func loadReference(t testing.TB) *reference {
	t.Helper()
	b, err := os.ReadFile("testdata/trajectories.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return &ref
}

// tolRel is the tolerance of every comparison with PyTorch. Both sides run
// the same IEEE-754 operations in the same order on bit-identical gradients
// (the test problem's gradient is computed in the same order in Python and
// here), and βᵗ is correctly rounded on both (powInt, glibc's pow), so the
// differences come only from (a) the C++ compiler fusing a multiply and an
// add into an FMA where Go does not (1 ulp per operation; Go may fuse too
// on arm64 or with GOAMD64=v3), (b) math.Cos against glibc's cos in the
// schedules, and (c) gonum's scaled norm against a plain sum of squares in
// clipping. Each is a relative 1e-16 per operation; over 30 steps of a
// smooth, non-chaotic map they stay below 1e-15 (the test log shows the
// largest seen, 3.3e-16 with torch 1.13). 1e-12 leaves a wide margin for
// other platforms yet catches any slip in the rules: moving ε inside the
// square root, or scaling Adam's ε = 1e-8 by 1.01, already fails.
// tolAbs only matters for values within 1e-2 of zero.
const (
	tolRel = 1e-12
	tolAbs = 1e-14
)

var approx = cmpopts.EquateApprox(tolRel, tolAbs)

// problem is the test problem of make_trajectories.py: params W (3x2) and
// b (2); C = ½·Σ(X·W + b − Y)² + 0.1·Σ(W² − 1)².
type problem struct {
	X, Y [][]float64
	W, B autograd.Var
}

// newProblem returns the problem with W and b of element types wt and bt
// (W0 and b0 rounded to float32 for Float32, as torch.tensor(W0,
// dtype=torch.float32) rounds them).
func newProblem(ref *reference, wt, bt tensor.DType) *problem {
	w := wt.Zeros(3, 2)
	for j, row := range ref.Problem.W0 {
		for k, v := range row {
			w.Set(v, j, k)
		}
	}
	b := bt.Zeros(2)
	for k, v := range ref.Problem.B0 {
		b.Set(v, k)
	}
	return &problem{X: ref.Problem.X, Y: ref.Problem.Y,
		W: autograd.NewNamedParam("W", w), B: autograd.NewNamedParam("b", b)}
}

// gradients returns ∂C/∂W (3x2, row-major) and ∂C/∂b in exactly the order
// of operations of gradients() in make_trajectories.py, so that both sides
// see bit-identical gradients. It computes in float64 whatever the
// parameters' types, from their values widened exactly, as Python does.
func (pr *problem) gradients() (gW, gb []float64) {
	W, b := pr.W.Value(), pr.B.Value().Float64s()
	var R [4][2]float64
	for n := range 4 {
		for k := range 2 {
			s := 0.0
			for j := range 3 {
				s += pr.X[n][j] * W.At(j, k)
			}
			R[n][k] = (s + b[k]) - pr.Y[n][k]
		}
	}
	gW = make([]float64, 6)
	for j := range 3 {
		for k := range 2 {
			s := 0.0
			for n := range 4 {
				s += pr.X[n][j] * R[n][k]
			}
			w := W.At(j, k)
			gW[j*2+k] = s + 0.4*w*(w*w-1)
		}
	}
	gb = make([]float64, 2)
	for k := range 2 {
		s := 0.0
		for n := range 4 {
			s += R[n][k]
		}
		gb[k] = s
	}
	return gW, gb
}

// flat returns W's and b's elements in one slice (as float64), like the
// reference rows.
func (pr *problem) flat() []float64 {
	return append(pr.W.Value().Float64s(), pr.B.Value().Float64s()...)
}

// gradTensor returns a gradient of type d holding vals (rounded to nearest
// for Float32, as torch.tensor(vals, dtype=torch.float32) rounds them).
func gradTensor(d tensor.DType, vals []float64, shape ...int) *tensor.Tensor {
	if d == tensor.Float64 {
		return tensor.New(vals, shape...)
	}
	return tensor.New(vals, shape...).To(d)
}

// kwargs reads PyTorch keyword arguments; f and i read a missing key as zero.
type kwargs map[string]any

func (kw kwargs) f(key string) float64 {
	v, _ := kw[key].(float64)
	return v
}

func (kw kwargs) i(key string) int { return int(kw.f(key)) }

// set overwrites *dst with the keyword argument key if the run gives it,
// as a PyTorch keyword overrides its default.
func (kw kwargs) set(dst *float64, key string) {
	if v, ok := kw[key].(float64); ok {
		*dst = v
	}
}

// setBool is set for a boolean keyword argument.
func (kw kwargs) setBool(dst *bool, key string) {
	if v, ok := kw[key].(bool); ok {
		*dst = v
	}
}

// setBetas overwrites *b1, *b2 with PyTorch's betas pair if the run gives it.
func (kw kwargs) setBetas(b1, b2 *float64) {
	if v, ok := kw["betas"].([]any); ok {
		*b1, *b2 = v[0].(float64), v[1].(float64)
	}
}

// optimiser is what the trajectory tests drive.
type optimiser interface {
	Optimizer
	LRSetter
}

// newOptimiser builds the Go optimiser of a reference run as PyTorch does:
// the defaults (XxxDefaults) with the run's keyword arguments written over
// them. Runs marked "defaults" pass the Defaults config alone (SGD, which
// has no default rate, keeps the run's lr).
func newOptimiser(t *testing.T, run refRun, params []autograd.Var) optimiser {
	kw := kwargs(run.Kwargs)
	if run.Defaults {
		kw = kwargs{}
	}
	switch run.Optimizer {
	case "SGD":
		c := SGDDefaults()
		kwargs(run.Kwargs).set(&c.LR, "lr")
		kw.set(&c.Momentum, "momentum")
		kw.set(&c.Dampening, "dampening")
		kw.set(&c.WeightDecay, "weight_decay")
		kw.setBool(&c.Nesterov, "nesterov")
		return NewSGD(params, c)
	case "Adam":
		c := AdamDefaults()
		kw.set(&c.LR, "lr")
		kw.setBetas(&c.Beta1, &c.Beta2)
		kw.set(&c.Eps, "eps")
		kw.set(&c.WeightDecay, "weight_decay")
		kw.setBool(&c.AMSGrad, "amsgrad")
		return NewAdam(params, c)
	case "AdamW":
		c := AdamWDefaults()
		kw.set(&c.LR, "lr")
		kw.setBetas(&c.Beta1, &c.Beta2)
		kw.set(&c.Eps, "eps")
		kw.set(&c.WeightDecay, "weight_decay")
		kw.setBool(&c.AMSGrad, "amsgrad")
		return NewAdamW(params, c)
	case "RMSprop":
		c := RMSpropDefaults()
		kw.set(&c.LR, "lr")
		kw.set(&c.Alpha, "alpha")
		kw.set(&c.Eps, "eps")
		kw.set(&c.WeightDecay, "weight_decay")
		kw.set(&c.Momentum, "momentum")
		kw.setBool(&c.Centered, "centered")
		return NewRMSprop(params, c)
	case "Adagrad":
		c := AdagradDefaults()
		kw.set(&c.LR, "lr")
		kw.set(&c.LRDecay, "lr_decay")
		kw.set(&c.WeightDecay, "weight_decay")
		kw.set(&c.InitialAccumulatorValue, "initial_accumulator_value")
		kw.set(&c.Eps, "eps")
		return NewAdagrad(params, c)
	case "NAdam":
		c := NAdamDefaults()
		kw.set(&c.LR, "lr")
		kw.setBetas(&c.Beta1, &c.Beta2)
		kw.set(&c.Eps, "eps")
		kw.set(&c.WeightDecay, "weight_decay")
		kw.set(&c.MomentumDecay, "momentum_decay")
		return NewNAdam(params, c)
	case "RAdam":
		c := RAdamDefaults()
		kw.set(&c.LR, "lr")
		kw.setBetas(&c.Beta1, &c.Beta2)
		kw.set(&c.Eps, "eps")
		kw.set(&c.WeightDecay, "weight_decay")
		return NewRAdam(params, c)
	}
	t.Fatalf("unknown optimiser %q", run.Optimizer)
	return nil
}

// newScheduleOf builds the Go schedule of a PyTorch scheduler and its
// keyword arguments; Step advances it.
func newScheduleOf(t testing.TB, kind string, kwm map[string]any, opt LRSetter) interface{ Step() } {
	kw := kwargs(kwm)
	switch kind {
	case "StepLR":
		return NewStepLR(opt, kw.i("step_size"), kw.f("gamma"))
	case "ExponentialLR":
		return NewExponentialLR(opt, kw.f("gamma"))
	case "CosineAnnealingLR":
		return NewCosineAnnealingLR(opt, kw.i("T_max"), kw.f("eta_min"))
	case "LinearLR":
		if e, ok := kw["end_factor"]; ok && e != 1.0 {
			t.Fatalf("LinearLR end_factor %v: LinearWarmup always ends at 1", e)
		}
		return NewLinearWarmup(opt, kw.f("start_factor"), kw.i("total_iters"))
	case "OneCycleLR":
		c := OneCycleDefaults(kw.f("max_lr"), kw.i("total_steps"))
		kw.set(&c.PctStart, "pct_start")
		kw.set(&c.BaseMomentum, "base_momentum")
		kw.set(&c.MaxMomentum, "max_momentum")
		kw.set(&c.DivFactor, "div_factor")
		kw.set(&c.FinalDivFactor, "final_div_factor")
		kw.setBool(&c.ThreePhase, "three_phase")
		kw.setBool(&c.CycleMomentum, "cycle_momentum")
		if kw["anneal_strategy"] == "linear" {
			c.Anneal = AnnealLinear
		}
		return NewOneCycleLR(opt, c)
	case "SequentialLR", "ChainedScheduler":
		var parts []Schedule
		for _, sp := range kwm["schedulers"].([]any) {
			sp := sp.([]any)
			parts = append(parts, newScheduleOf(t, sp[0].(string), sp[1].(map[string]any), opt).(Schedule))
		}
		if kind == "ChainedScheduler" {
			return NewChainedScheduler(parts...)
		}
		var ms []int
		for _, m := range kwm["milestones"].([]any) {
			ms = append(ms, int(m.(float64)))
		}
		return NewSequentialLR(opt, parts, ms)
	}
	t.Fatalf("unknown schedule %q", kind)
	return nil
}

// runTrajectory replays a reference run with opt (nil: built from the run)
// and returns the learning rate before each step and the values after it.
func runTrajectory(t *testing.T, ref *reference, run refRun, mk func([]autograd.Var) optimiser) (lrs []float64, traj [][]float64) {
	return runTrajectoryOf(t, ref, run, mk, tensor.Float64, tensor.Float64)
}

// runTrajectoryOf is runTrajectory with W and b of element types wt and bt;
// each gradient is computed in float64 and rounded to its parameter's type.
func runTrajectoryOf(t *testing.T, ref *reference, run refRun, mk func([]autograd.Var) optimiser, wt, bt tensor.DType) (lrs []float64, traj [][]float64) {
	pr := newProblem(ref, wt, bt)
	params := []autograd.Var{pr.W, pr.B}
	var opt optimiser
	if mk != nil {
		opt = mk(params)
	} else {
		opt = newOptimiser(t, run, params)
	}
	var sched interface{ Step() }
	if run.Schedule != nil {
		sched = newScheduleOf(t, run.Schedule.Kind, run.Schedule.Kwargs, opt)
	}
	for step := range ref.Problem.Steps {
		gW, gb := pr.gradients()
		pr.W.SetGrad(gradTensor(wt, gW, 3, 2))
		if run.SkipB && step%3 == 2 {
			pr.B.SetGrad(nil)
		} else {
			pr.B.SetGrad(gradTensor(bt, gb, 2))
		}
		lrs = append(lrs, opt.LR())
		opt.Step()
		if sched != nil {
			sched.Step()
		}
		traj = append(traj, pr.flat())
	}
	return lrs, traj
}

// maxDev returns the largest |got − want| over two equal-shaped tables.
func maxDev(got, want [][]float64) float64 {
	m := 0.0
	for i := range min(len(got), len(want)) {
		for j := range min(len(got[i]), len(want[i])) {
			m = math.Max(m, math.Abs(got[i][j]-want[i][j]))
		}
	}
	return m
}

// TestTrajectories replays every reference run (30 steps of the test
// problem) and compares the values after each step and the learning rate
// before it with PyTorch's.
func TestTrajectories(t *testing.T) {
	ref := loadReference(t)
	if len(ref.Runs) == 0 {
		t.Fatal("no runs in the reference data")
	}
	worst := map[string]float64{}
	for _, run := range ref.Runs {
		t.Run(run.Name, func(t *testing.T) {
			lrs, traj := runTrajectory(t, ref, run, nil)
			if diff := cmp.Diff(run.LRs, lrs, approx); diff != "" {
				t.Errorf("learning rates (-torch +got):\n%s", diff)
			}
			if diff := cmp.Diff(run.Trajectory, traj, approx); diff != "" {
				t.Errorf("trajectory (-torch +got):\n%s", diff)
			}
			d := maxDev(traj, run.Trajectory)
			worst[run.Optimizer] = math.Max(worst[run.Optimizer], d)
			t.Logf("max |Δ| vs torch %s: %.3g", ref.TorchVersion, d)
		})
	}
	kinds := make([]string, 0, len(worst))
	for k := range worst {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s %.3g;", k, worst[k])
	}
	t.Logf("largest deviation from torch per optimiser:%s", b.String())
}

// TestGDMatchesSGD checks GD against PyTorch's plain SGD runs: without
// rates, with all-one per-element rates (η·1 = η exactly), with one-element
// rates and with nil entries, every variant must give torch's trajectory.
func TestGDMatchesSGD(t *testing.T) {
	ref := loadReference(t)
	rates := []struct {
		name  string
		rates []*tensor.Tensor
	}{
		{"no rates", nil},
		{"ones", []*tensor.Tensor{tensor.Ones(3, 2), tensor.Ones(2)}},
		{"one-element rates", []*tensor.Tensor{tensor.Scalar(1), tensor.Full(1, 1)}},
		{"nil entries", []*tensor.Tensor{nil, nil}},
	}
	for _, run := range ref.Runs {
		if run.Name != "sgd_plain" && run.Name != "sgd_defaults" {
			continue
		}
		for _, r := range rates {
			t.Run(run.Name+"/"+r.name, func(t *testing.T) {
				lr := kwargs(run.Kwargs).f("lr")
				_, traj := runTrajectory(t, ref, run, func(ps []autograd.Var) optimiser {
					return NewGD(ps, GDConfig{LR: lr, Rates: r.rates})
				})
				if diff := cmp.Diff(run.Trajectory, traj, approx); diff != "" {
					t.Errorf("trajectory (-torch +got):\n%s", diff)
				}
			})
		}
	}
}

package optim

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestSchedules replays every reference schedule: the rate after
// construction and after each Step must match PyTorch's scheduler.step()
// values (its recursive form) to tolRel, and its closed form (the formula
// implemented here) more tightly still.
func TestSchedules(t *testing.T) {
	ref := loadReference(t)
	for _, rs := range ref.Schedules {
		t.Run(rs.Name, func(t *testing.T) {
			opt := NewGD(twoParams(), GDConfig{LR: rs.BaseLR})
			s := newScheduleOf(t, rs.Kind, rs.Kwargs, opt)
			got := []float64{opt.LR()}
			for range len(rs.LRs) - 1 {
				s.Step()
				got = append(got, opt.LR())
			}
			// Rates reach 0 (cosine with eta_min 0): an absolute 1e-15 on
			// rates of size 0.1 is a relative 1e-14.
			if diff := cmp.Diff(rs.LRs, got, cmpopts.EquateApprox(tolRel, 1e-15)); diff != "" {
				t.Errorf("rates vs torch's step() (-torch +got):\n%s", diff)
			}
			// Against the same closed form only pow/cos rounding differs:
			// a few ulps.
			if diff := cmp.Diff(rs.ClosedForm, got, cmpopts.EquateApprox(1e-14, 1e-17)); diff != "" {
				t.Errorf("rates vs torch's closed form (-torch +got):\n%s", diff)
			}
			t.Logf("max |Δ| vs torch step(): %.3g", maxDev([][]float64{got}, [][]float64{rs.LRs}))
		})
	}
}

// TestScheduleBasics checks the epoch counter, At and the closed forms at a
// few points worked out by hand.
func TestScheduleBasics(t *testing.T) {
	mk := func() *GD { return NewGD(twoParams(), GDConfig{LR: 0.8}) }
	step := NewStepLR(mk(), 2, 0.5)
	exp := NewExponentialLR(mk(), 0.5)
	cos := NewCosineAnnealingLR(mk(), 4, 0.2)
	lin := NewLinearWarmup(mk(), 0.25, 3)
	for range 3 {
		step.Step()
		exp.Step()
		cos.Step()
		lin.Step()
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"StepLR epoch", float64(step.Epoch()), 3},
		{"StepLR At(3)", step.At(3), 0.4},
		{"StepLR At(4)", step.At(4), 0.2},
		{"ExponentialLR epoch", float64(exp.Epoch()), 3},
		{"ExponentialLR At(3)", exp.At(3), 0.1},
		{"CosineAnnealingLR epoch", float64(cos.Epoch()), 3},
		{"CosineAnnealingLR At(0)", cos.At(0), 0.8},
		{"CosineAnnealingLR At(2)", cos.At(2), 0.5}, // 0.2 + 0.6·(1 + cos π/2)/2
		{"CosineAnnealingLR At(4)", cos.At(4), 0.2}, // the minimum
		{"CosineAnnealingLR At(8)", cos.At(8), 0.8}, // back up after 2·tMax
		{"LinearWarmup At(0)", lin.At(0), 0.2},      // 0.25·0.8
		{"LinearWarmup At(1)", lin.At(1), 0.4},      // 0.8·(0.25 + 0.75/3)
		{"LinearWarmup At(3)", lin.At(3), 0.8},
		{"LinearWarmup At(10)", lin.At(10), 0.8},
		{"LinearWarmup epoch", float64(lin.Epoch()), 3},
	}
	for _, tt := range tests {
		// Hand values are decimal; cos(π/2) is 6e-17, not 0.
		if math.Abs(tt.got-tt.want) > 1e-15 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if got := step.opt.LR(); got != step.At(3) {
		t.Errorf("StepLR set LR %v, want At(3) = %v", got, step.At(3))
	}
}

// TestScheduleInvalid checks the constructors' panics.
func TestScheduleInvalid(t *testing.T) {
	opt := NewSGD([]autograd.Var{autograd.NewParam(tensor.Zeros(1))}, SGDConfig{LR: 0.1})
	tests := []struct {
		name, field string
		f           func()
	}{
		{"StepLR nil optimiser", "nil optimiser", func() { NewStepLR(nil, 1, 0.5) }},
		{"StepLR zero step", "stepSize", func() { NewStepLR(opt, 0, 0.5) }},
		{"StepLR negative gamma", "gamma", func() { NewStepLR(opt, 1, -0.5) }},
		{"ExponentialLR NaN gamma", "gamma", func() { NewExponentialLR(opt, math.NaN()) }},
		{"CosineAnnealingLR zero tMax", "tMax", func() { NewCosineAnnealingLR(opt, 0, 0) }},
		{"CosineAnnealingLR negative etaMin", "etaMin", func() { NewCosineAnnealingLR(opt, 10, -1) }},
		{"LinearWarmup zero factor", "startFactor", func() { NewLinearWarmup(opt, 0, 5) }},
		{"LinearWarmup factor above 1", "startFactor", func() { NewLinearWarmup(opt, 1.5, 5) }},
		{"LinearWarmup zero steps", "n", func() { NewLinearWarmup(opt, 0.5, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tt.f, ErrConfig, tt.field) })
	}
}

// TestScheduleSetEpoch checks that SetEpoch(e) leaves every schedule where
// e calls of Step do: the same epoch and bit for bit the same rate; and
// that a negative epoch or a zero-value schedule panics with ErrConfig.
func TestScheduleSetEpoch(t *testing.T) {
	type settable interface {
		Step()
		Epoch() int
		SetEpoch(int)
	}
	mk := map[string]func(LRSetter) settable{
		"StepLR":            func(o LRSetter) settable { return NewStepLR(o, 3, 0.5) },
		"ExponentialLR":     func(o LRSetter) settable { return NewExponentialLR(o, 0.9) },
		"CosineAnnealingLR": func(o LRSetter) settable { return NewCosineAnnealingLR(o, 7, 1e-3) },
		"LinearWarmup":      func(o LRSetter) settable { return NewLinearWarmup(o, 0.1, 5) },
	}
	newGD := func() *GD {
		return NewGD([]autograd.Var{autograd.NewParam(tensor.Zeros(1))}, GDConfig{LR: 0.1})
	}
	for name, f := range mk {
		t.Run(name, func(t *testing.T) {
			stepped := newGD()
			s := f(stepped)
			for e := range 12 {
				set := newGD()
				s2 := f(set)
				s2.SetEpoch(e)
				if s2.Epoch() != e || set.LR() != stepped.LR() {
					t.Errorf("SetEpoch(%d): epoch %d, rate %v; after %d Steps: rate %v", e, s2.Epoch(), set.LR(), e, stepped.LR())
				}
				s.Step()
			}
			tapegradtest.CheckPanic(t, func() { f(newGD()).SetEpoch(-1) }, ErrConfig, "SetEpoch", "epoch")
		})
	}
	tapegradtest.CheckPanic(t, func() { new(StepLR).SetEpoch(1) }, ErrConfig, "optim.StepLR.SetEpoch")
}

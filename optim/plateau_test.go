package optim

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// plateauOf builds the Go schedule of a reference run: PlateauDefaults with
// PyTorch's keyword arguments written over them.
func plateauOf(t *testing.T, kwm map[string]any, opt LRSetter) *ReduceLROnPlateau {
	kw := kwargs(kwm)
	c := PlateauDefaults()
	if kw["mode"] == "max" {
		c.Mode = PlateauMax
	}
	if kw["threshold_mode"] == "abs" {
		c.ThresholdMode = ThresholdAbs
	}
	kw.set(&c.Factor, "factor")
	kw.set(&c.Threshold, "threshold")
	kw.set(&c.MinLR, "min_lr")
	kw.set(&c.Eps, "eps")
	if _, ok := kw["patience"]; ok {
		c.Patience = kw.i("patience")
	}
	if _, ok := kw["cooldown"]; ok {
		c.Cooldown = kw.i("cooldown")
	}
	return NewReduceLROnPlateau(opt, c)
}

// TestPlateau replays the reference ReduceLROnPlateau runs: the rate after
// each Step(metric) must be PyTorch's. Both compute old·factor and compare
// the same floats, so the rates agree exactly.
func TestPlateau(t *testing.T) {
	ref := loadReference(t)
	if len(ref.Plateaus) == 0 {
		t.Fatal("no plateau runs in the reference data")
	}
	for _, rp := range ref.Plateaus {
		t.Run(rp.Name, func(t *testing.T) {
			opt := NewSGD(twoParams(), SGDConfig{LR: rp.BaseLR})
			s := plateauOf(t, rp.Kwargs, opt)
			var got []float64
			for _, m := range rp.Metrics {
				v := math.NaN()
				if m != nil {
					v = *m
				}
				s.Step(v)
				got = append(got, opt.LR())
			}
			if diff := cmp.Diff(rp.LRs, got); diff != "" {
				t.Errorf("rates (-torch +got):\n%s", diff)
			}
			if s.State().Epoch != len(rp.Metrics) {
				t.Errorf("Epoch = %d after %d steps", s.State().Epoch, len(rp.Metrics))
			}
		})
	}
}

// TestPlateauRestore checks that a schedule restored from State continues
// exactly as the original.
func TestPlateauRestore(t *testing.T) {
	metrics := []float64{5, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2}
	cfg := PlateauDefaults()
	cfg.Patience, cfg.Cooldown = 1, 1
	a := NewSGD(twoParams(), SGDConfig{LR: 1})
	sa := NewReduceLROnPlateau(a, cfg)
	for _, m := range metrics[:6] {
		sa.Step(m)
	}
	b := NewSGD(twoParams(), SGDConfig{LR: a.LR()})
	sb := NewReduceLROnPlateau(b, cfg)
	sb.Restore(sa.State())
	for _, m := range metrics[6:] {
		sa.Step(m)
		sb.Step(m)
		if a.LR() != b.LR() || sa.State() != sb.State() {
			t.Fatalf("restored: rate %v, state %+v; original: rate %v, state %+v", b.LR(), sb.State(), a.LR(), sa.State())
		}
	}
}

// TestPlateauInvalid checks the constructor's panics.
func TestPlateauInvalid(t *testing.T) {
	opt := NewSGD(twoParams(), SGDConfig{LR: 0.1})
	tests := []struct {
		field string
		edit  func(*PlateauConfig)
	}{
		{"Mode", func(c *PlateauConfig) { c.Mode = 0 }},
		{"ThresholdMode", func(c *PlateauConfig) { c.ThresholdMode = 3 }},
		{"Factor", func(c *PlateauConfig) { c.Factor = 1 }},
		{"Factor", func(c *PlateauConfig) { c.Factor = -0.1 }},
		{"Patience", func(c *PlateauConfig) { c.Patience = -1 }},
		{"Cooldown", func(c *PlateauConfig) { c.Cooldown = -1 }},
		{"Threshold", func(c *PlateauConfig) { c.Threshold = math.NaN() }},
		{"MinLR", func(c *PlateauConfig) { c.MinLR = -1 }},
		{"Eps", func(c *PlateauConfig) { c.Eps = math.Inf(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			c := PlateauDefaults()
			tt.edit(&c)
			tapegradtest.CheckPanic(t, func() { NewReduceLROnPlateau(opt, c) }, ErrConfig, tt.field)
		})
	}
}

package data

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// columnStats returns the mean and population standard deviation of each
// column of x, by the textbook formulas.
func columnStats(x *tensor.Tensor) (mean, std []float64) {
	n, p := x.Dim(0), x.Dim(1)
	mean, std = make([]float64, p), make([]float64, p)
	for j := range p {
		for i := range n {
			mean[j] += x.At(i, j) / float64(n)
		}
		for i := range n {
			d := x.At(i, j) - mean[j]
			std[j] += d * d / float64(n)
		}
		std[j] = math.Sqrt(std[j])
	}
	return mean, std
}

func TestStandardizerOnRealData(t *testing.T) {
	for _, load := range []func() (*Dataset, error){Iris, Wine, BreastCancer, Diabetes, Digits} {
		ds, err := load()
		if err != nil {
			t.Fatal(err)
		}
		t.Run(ds.Name, func(t *testing.T) {
			train, test := TrainTestSplit(ds, 0.25, seeded(1))
			s := FitStandardizer(train.X)
			z := s.Transform(train.X)
			mean, std := columnStats(z)
			// Digits has pixels that are 0 in every training image: those
			// map to 0 (std 0); every other column must come out as std 1.
			wantStd := make([]float64, len(std))
			for j := range wantStd {
				wantStd[j] = 1
				if s.Std[j] == 1 && std[j] == 0 {
					wantStd[j] = 0
				}
			}
			// 1e-12: a few hundred float64 roundings of values up to ~4000
			// (breast cancer's worst area) after centring.
			opt := cmpopts.EquateApprox(0, 1e-12)
			if diff := cmp.Diff(make([]float64, len(mean)), mean, opt); diff != "" {
				t.Errorf("train means after Transform (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantStd, std, opt); diff != "" {
				t.Errorf("train stds after Transform (-want +got):\n%s", diff)
			}
			// The test set uses the training statistics: same shape, and
			// Inverse brings it back.
			zt := s.Transform(test.X)
			if diff := cmp.Diff(test.X.Shape(), zt.Shape()); diff != "" {
				t.Errorf("test shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(test.X.Data(), s.Inverse(zt).Data(), cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
				t.Errorf("Inverse(Transform(test)) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStandardizerKnown(t *testing.T) {
	// Column 0: 1, 2, 3, 6 → mean 3, population variance (4+1+0+9)/4 = 3.5.
	// Column 1: constant 0.1 → mean 0.1, Std 1 (guarded), maps to exactly 0.
	x := tensor.New([]float64{1, 0.1, 2, 0.1, 3, 0.1, 6, 0.1}, 4, 2)
	s := FitStandardizer(x)
	want := &Standardizer{Mean: []float64{3, 0.1}, Std: []float64{math.Sqrt(3.5), 1}}
	if diff := cmp.Diff(want, s, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("FitStandardizer (-want +got):\n%s", diff)
	}
	z := s.Transform(x).Data()
	r := math.Sqrt(3.5)
	wantZ := []float64{-2 / r, 0, -1 / r, 0, 0, 0, 3 / r, 0}
	if diff := cmp.Diff(wantZ, z, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("Transform (-want +got):\n%s", diff)
	}
	if x.At(0, 0) != 1 {
		t.Error("Transform modified its input")
	}
}

func TestStandardizerPanics(t *testing.T) {
	s := FitStandardizer(tensor.New([]float64{1, 2, 3, 4}, 2, 2))
	tests := []struct {
		name string
		f    func()
	}{
		{"fit rank 1", func() { FitStandardizer(tensor.Zeros(4)) }},
		{"fit no rows", func() { FitStandardizer(tensor.Zeros(0, 3)) }},
		{"transform wrong width", func() { s.Transform(tensor.Zeros(2, 3)) }},
		{"transform rank 1", func() { s.Transform(tensor.Zeros(2)) }},
		{"inverse wrong width", func() { s.Inverse(tensor.Zeros(5, 1)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tapegradtest.Catch(tt.f); !errors.Is(err, tensor.ErrShape) {
				t.Errorf("panicked with %v, want tensor.ErrShape", err)
			}
		})
	}
}

// TestStandardizerState: StateTensors and LoadStateTensors round-trip the
// statistics bit for bit, including an unfitted Standardizer.
func TestStandardizerState(t *testing.T) {
	ds, err := Wine()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		s    *Standardizer
	}{
		{"fitted on wine", FitStandardizer(ds.X)},
		{"unfitted", &Standardizer{}},
		{"hand-made", &Standardizer{Mean: []float64{-1.5, 1e300}, Std: []float64{1, math.SmallestNonzeroFloat64}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := tt.s.StateTensors()
			got := &Standardizer{Mean: []float64{7}, Std: []float64{7}} // replaced whatever its length
			if err := got.LoadStateTensors(ts); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.s, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
			if len(tt.s.Mean) > 0 {
				ts[StateMean].Data()[0]++
				if got.Mean[0] == ts[StateMean].Data()[0] || tt.s.Mean[0] == ts[StateMean].Data()[0] {
					t.Error("the state tensors share memory with a Standardizer")
				}
			}
		})
	}
}

func TestStandardizerLoadStateErrors(t *testing.T) {
	v := func(x ...float64) *tensor.Tensor { return tensor.New(x) }
	tests := []struct {
		name string
		ts   map[string]*tensor.Tensor
		want error
		msg  string
	}{
		{"no std", map[string]*tensor.Tensor{StateMean: v(1)}, ErrFormat, `no "std"`},
		{"nil mean", map[string]*tensor.Tensor{StateMean: nil, StateStd: v(1)}, ErrFormat, `no "mean"`},
		{"empty map", nil, ErrFormat, `no "mean"`},
		{"extra tensor", map[string]*tensor.Tensor{StateMean: v(1), StateStd: v(1), "var": v(1)}, ErrFormat, `unknown state tensor "var"`},
		{"rank 2", map[string]*tensor.Tensor{StateMean: tensor.Zeros(1, 2), StateStd: v(1, 1)}, ErrFormat, `"mean" has shape [1 2]`},
		{"lengths differ", map[string]*tensor.Tensor{StateMean: v(1, 2), StateStd: v(1)}, ErrFormat, `"mean" has 2 features but "std" 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Standardizer{Mean: []float64{3}, Std: []float64{4}}
			err := s.LoadStateTensors(tt.ts)
			if !errors.Is(err, tt.want) || err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want an error wrapping %v containing %q", err, tt.want, tt.msg)
			}
			if d := cmp.Diff(&Standardizer{Mean: []float64{3}, Std: []float64{4}}, s); d != "" {
				t.Errorf("a failed load changed the Standardizer (-want +got):\n%s", d)
			}
		})
	}
	var nilSt *Standardizer
	if err := nilSt.LoadStateTensors(nil); !errors.Is(err, ErrArgument) {
		t.Errorf("nil Standardizer: got %v, want ErrArgument", err)
	}
}

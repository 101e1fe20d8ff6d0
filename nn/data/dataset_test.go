package data

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// toy returns a 4-sample classification set whose row i is (10i, 10i+1).
func toy() *Dataset {
	return &Dataset{
		Name:         "toy",
		X:            tensor.New([]float64{0, 1, 10, 11, 20, 21, 30, 31}, 4, 2),
		Labels:       []int{0, 1, 2, 0},
		ClassNames:   []string{"a", "b", "c"},
		FeatureNames: []string{"f0", "f1"},
	}
}

// toyRegression returns a 3-sample regression set with Y = 100 + row.
func toyRegression() *Dataset {
	return &Dataset{
		Name: "toyreg",
		X:    tensor.New([]float64{1, 2, 3}, 3, 1),
		Y:    tensor.New([]float64{100, 101, 102}),
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Dataset)
		ok     bool
	}{
		{"classification", func(*Dataset) {}, true},
		{"regression", func(d *Dataset) { *d = *toyRegression() }, true},
		{"unknown class names", func(d *Dataset) { d.ClassNames = nil }, true},
		{"nil X", func(d *Dataset) { d.X = nil }, false},
		{"X rank 1", func(d *Dataset) { d.X = tensor.Zeros(4) }, false},
		{"neither labels nor Y", func(d *Dataset) { d.Labels = nil }, false},
		{"both labels and Y", func(d *Dataset) { d.Y = tensor.Zeros(4) }, false},
		{"short labels", func(d *Dataset) { d.Labels = d.Labels[:3] }, false},
		{"label too big", func(d *Dataset) { d.Labels[1] = 3 }, false},
		{"negative label", func(d *Dataset) { d.Labels[1] = -1 }, false},
		{"Y wrong length", func(d *Dataset) { *d = *toyRegression(); d.Y = tensor.Zeros(2) }, false},
		{"Y rank 2", func(d *Dataset) { *d = *toyRegression(); d.Y = tensor.Zeros(3, 1) }, false},
		{"feature names", func(d *Dataset) { d.FeatureNames = []string{"x"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := toy()
			tt.modify(d)
			err := d.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrArgument) {
				t.Errorf("Validate() = %v, does not wrap ErrArgument", err)
			}
		})
	}
}

func TestNumClasses(t *testing.T) {
	d := toy()
	if got := d.NumClasses(); got != 3 {
		t.Errorf("NumClasses with names = %d, want 3", got)
	}
	d.ClassNames = nil
	d.Labels = []int{0, 4, 1, 1}
	if got := d.NumClasses(); got != 5 {
		t.Errorf("NumClasses from labels = %d, want 5", got)
	}
	if got := toyRegression().NumClasses(); got != 0 {
		t.Errorf("NumClasses of regression = %d, want 0", got)
	}
}

func TestSubset(t *testing.T) {
	type result struct {
		Shape  []int
		X      []float64
		Labels []int
		Y      []float64
	}
	tests := []struct {
		name string
		ds   *Dataset
		idx  []int
		want result
	}{
		{"reorder and repeat", toy(), []int{3, 0, 3},
			result{[]int{3, 2}, []float64{30, 31, 0, 1, 30, 31}, []int{0, 0, 0}, nil}},
		{"empty", toy(), []int{},
			result{[]int{0, 2}, []float64{}, []int{}, nil}},
		{"regression", toyRegression(), []int{2, 1},
			result{[]int{2, 1}, []float64{3, 2}, nil, []float64{102, 101}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.ds.Subset(tt.idx)
			got := result{Shape: s.X.Shape(), X: s.X.Data(), Labels: s.Labels}
			if s.Y != nil {
				got.Y = s.Y.Data()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Subset(%v) mismatch (-want +got):\n%s", tt.idx, diff)
			}
			if s.Name != tt.ds.Name || !cmp.Equal(s.ClassNames, tt.ds.ClassNames) || !cmp.Equal(s.FeatureNames, tt.ds.FeatureNames) {
				t.Errorf("Subset lost the names: got %q %v %v", s.Name, s.ClassNames, s.FeatureNames)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Subset result invalid: %v", err)
			}
		})
	}
}

func TestSubsetCopies(t *testing.T) {
	d := toy()
	s := d.Subset([]int{0})
	s.X.Set(-1, 0, 0)
	s.Labels[0] = 2
	s.ClassNames[0] = "changed"
	if d.X.At(0, 0) != 0 || d.Labels[0] != 0 || d.ClassNames[0] != "a" {
		t.Errorf("modifying a Subset changed the original: %v %v %v", d.X.Data(), d.Labels, d.ClassNames)
	}
}

func TestSubsetPanics(t *testing.T) {
	tests := []struct {
		name string
		ds   *Dataset
		idx  []int
		want error
	}{
		{"index too big", toy(), []int{0, 4}, tensor.ErrIndex},
		{"negative index", toy(), []int{-1}, tensor.ErrIndex},
		{"inconsistent", &Dataset{X: tensor.Zeros(2, 2), Labels: []int{0}}, []int{0}, ErrArgument},
		{"nil X", &Dataset{}, []int{0}, ErrArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tapegradtest.Catch(func() { tt.ds.Subset(tt.idx) })
			if !errors.Is(err, tt.want) {
				t.Errorf("Subset(%v) panicked with %v, want %v", tt.idx, err, tt.want)
			}
		})
	}
}

func TestRows(t *testing.T) {
	type result struct {
		Shape  []int
		X      []float64
		Labels []int
		Y      []float64
	}
	tests := []struct {
		name       string
		ds         *Dataset
		start, end int
		want       result
	}{
		{"middle", toy(), 1, 3, result{[]int{2, 2}, []float64{10, 11, 20, 21}, []int{1, 2}, nil}},
		{"all", toy(), 0, 4, result{[]int{4, 2}, []float64{0, 1, 10, 11, 20, 21, 30, 31}, []int{0, 1, 2, 0}, nil}},
		{"empty at end", toy(), 4, 4, result{[]int{0, 2}, []float64{}, []int{}, nil}},
		{"regression", toyRegression(), 2, 3, result{[]int{1, 1}, []float64{3}, nil, []float64{102}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.ds.Rows(tt.start, tt.end)
			got := result{Shape: s.X.Shape(), X: s.X.Data(), Labels: s.Labels}
			if s.Y != nil {
				got.Y = s.Y.Data()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Rows(%d, %d) (-want +got):\n%s", tt.start, tt.end, diff)
			}
			// Rows(a, b) is Subset of a, …, b−1.
			idx := []int{}
			for i := tt.start; i < tt.end; i++ {
				idx = append(idx, i)
			}
			sameTensor := cmp.Comparer(func(a, b *tensor.Tensor) bool {
				return a == nil && b == nil || a != nil && b != nil && tapegradtest.Diff(a, b) == ""
			})
			if diff := cmp.Diff(tt.ds.Subset(idx), s, sameTensor); diff != "" {
				t.Errorf("Rows(%d, %d) differs from Subset (-subset +rows):\n%s", tt.start, tt.end, diff)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Rows result invalid: %v", err)
			}
		})
	}
}

func TestRowsCopies(t *testing.T) {
	d := toy()
	s := d.Rows(0, 2)
	s.X.Set(-1, 0, 0)
	s.Labels[0] = 2
	s.ClassNames[0] = "changed"
	s.FeatureNames[0] = "changed"
	if d.X.At(0, 0) != 0 || d.Labels[0] != 0 || d.ClassNames[0] != "a" || d.FeatureNames[0] != "f0" {
		t.Errorf("modifying Rows' result changed the original: %v %v %v %v", d.X.Data(), d.Labels, d.ClassNames, d.FeatureNames)
	}
	r := toyRegression()
	r.Rows(0, 1).Y.Set(-1, 0)
	if r.Y.At(0) != 100 {
		t.Errorf("modifying Rows' Y changed the original: %v", r.Y.Data())
	}
}

func TestRowsPanics(t *testing.T) {
	tests := []struct {
		name       string
		ds         *Dataset
		start, end int
		want       error
	}{
		{"end past n", toy(), 2, 5, tensor.ErrIndex},
		{"negative start", toy(), -1, 2, tensor.ErrIndex},
		{"end before start", toy(), 3, 2, tensor.ErrIndex},
		{"inconsistent", &Dataset{X: tensor.Zeros(2, 2), Labels: []int{0}}, 0, 1, ErrArgument},
		{"nil X", &Dataset{}, 0, 0, ErrArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tapegradtest.CheckPanic(t, func() { tt.ds.Rows(tt.start, tt.end) }, tt.want, "data.Dataset.Rows")
		})
	}
}

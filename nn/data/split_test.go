package data

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// indexed returns an n-sample dataset whose row i is (i) with label i%3 and
// whose only feature is the row's own index, so a split's rows name
// themselves.
func indexed(n int) *Dataset {
	x := make([]float64, n)
	labels := make([]int, n)
	for i := range x {
		x[i], labels[i] = float64(i), i%3
	}
	return &Dataset{Name: "indexed", X: tensor.New(x, n, 1), Labels: labels}
}

// rowIDs returns the first column of ds.X as ints.
func rowIDs(ds *Dataset) []int {
	ids := make([]int, ds.Len())
	for i := range ids {
		ids[i] = int(ds.X.At(i, 0))
	}
	return ids
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func TestTrainTestSplit(t *testing.T) {
	tests := []struct {
		name            string
		n               int
		frac            float64
		rng             *rand.Rand
		wantTrain, want int
	}{
		{"iris 0.2", 150, 0.2, seeded(1), 120, 30},
		{"rounds half up", 5, 0.5, seeded(2), 2, 3},
		{"rounds down", 10, 0.33, seeded(3), 7, 3},
		{"no test", 10, 0, seeded(4), 10, 0},
		{"all test", 10, 1, seeded(5), 0, 10},
		{"empty set", 0, 0.5, seeded(6), 0, 0},
		{"no shuffle", 10, 0.3, nil, 7, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := indexed(tt.n)
			train, test := TrainTestSplit(ds, tt.frac, tt.rng)
			if train.Len() != tt.wantTrain || test.Len() != tt.want {
				t.Fatalf("sizes %d/%d, want %d/%d", train.Len(), test.Len(), tt.wantTrain, tt.want)
			}
			// Disjoint and covering: together the rows are 0…n−1 once each.
			all := append(rowIDs(train), rowIDs(test)...)
			slices.Sort(all)
			want := make([]int, tt.n)
			for i := range want {
				want[i] = i
			}
			if diff := cmp.Diff(want, all); diff != "" {
				t.Errorf("train ∪ test rows (-want +got):\n%s", diff)
			}
			for _, part := range []*Dataset{train, test} {
				if err := part.Validate(); err != nil {
					t.Errorf("invalid part: %v", err)
				}
				for i, id := range rowIDs(part) {
					if part.Labels[i] != id%3 {
						t.Fatalf("row %d has label %d, want %d: labels not moved with rows", id, part.Labels[i], id%3)
					}
				}
			}
			if tt.rng == nil {
				if diff := cmp.Diff([]int{7, 8, 9}, rowIDs(test)); diff != "" {
					t.Errorf("unshuffled test rows (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestTrainTestSplitDeterministic(t *testing.T) {
	ds := indexed(50)
	a1, b1 := TrainTestSplit(ds, 0.3, seeded(42))
	a2, b2 := TrainTestSplit(ds, 0.3, seeded(42))
	if !cmp.Equal(rowIDs(a1), rowIDs(a2)) || !cmp.Equal(rowIDs(b1), rowIDs(b2)) {
		t.Error("the same seed gave two different splits")
	}
	_, b3 := TrainTestSplit(ds, 0.3, seeded(43))
	if cmp.Equal(rowIDs(b1), rowIDs(b3)) {
		t.Error("seeds 42 and 43 gave the same test set (chance 1 in C(50,15))")
	}
}

func TestTrainTestSplitPanics(t *testing.T) {
	nan := 0.0
	nan /= nan
	tests := []struct {
		name string
		ds   *Dataset
		frac float64
	}{
		{"negative", indexed(4), -0.1},
		{"above one", indexed(4), 1.5},
		{"NaN", indexed(4), nan},
		{"inconsistent", &Dataset{X: tensor.Zeros(3, 1), Labels: []int{0}}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tapegradtest.Catch(func() { TrainTestSplit(tt.ds, tt.frac, nil) })
			if !errors.Is(err, ErrArgument) {
				t.Errorf("panicked with %v, want ErrArgument", err)
			}
		})
	}
}

func TestBatches(t *testing.T) {
	tests := []struct {
		name      string
		n, size   int
		rng       *rand.Rand
		wantSizes []int
	}{
		{"exact", 6, 2, seeded(1), []int{2, 2, 2}},
		{"ragged", 7, 3, seeded(2), []int{3, 3, 1}},
		{"one batch", 5, 10, seeded(3), []int{5}},
		{"size one", 3, 1, nil, []int{1, 1, 1}},
		{"empty", 0, 4, seeded(4), nil},
		{"iris", 150, 16, seeded(5), []int{16, 16, 16, 16, 16, 16, 16, 16, 16, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches := Batches(tt.n, tt.size, tt.rng)
			var first []int
			for epoch := range 3 {
				var sizes, all []int
				for idx := range batches {
					sizes = append(sizes, len(idx))
					all = append(all, idx...)
				}
				if epoch == 0 {
					first = slices.Clone(all)
				}
				if diff := cmp.Diff(tt.wantSizes, sizes); diff != "" {
					t.Errorf("epoch %d batch sizes (-want +got):\n%s", epoch, diff)
				}
				slices.Sort(all)
				for i, v := range all {
					if v != i {
						t.Fatalf("epoch %d: indices %v are not 0…%d once each", epoch, all, tt.n-1)
					}
				}
			}
			if tt.rng == nil && !slices.IsSorted(first) {
				t.Errorf("nil rng shuffled: %v", first)
			}
		})
	}
}

func TestBatchesShuffle(t *testing.T) {
	epochs := func(seed uint64) [][]int {
		batches := Batches(20, 6, seeded(seed))
		var out [][]int
		for range 2 {
			var order []int
			for idx := range batches {
				order = append(order, idx...)
			}
			out = append(out, order)
		}
		return out
	}
	a, b := epochs(7), epochs(7)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different batches (-first +second):\n%s", diff)
	}
	// Chance that two epochs (or the identity) coincide: 1/20!.
	if cmp.Equal(a[0], a[1]) {
		t.Errorf("two epochs had the same order %v: no fresh shuffle", a[0])
	}
	if slices.IsSorted(a[0]) {
		t.Errorf("seeded batches in order %v: not shuffled", a[0])
	}
}

func TestBatchesBreak(t *testing.T) {
	count := 0
	for range Batches(100, 10, seeded(1)) {
		count++
		if count == 3 {
			break
		}
	}
	if count != 3 {
		t.Errorf("ranged %d batches after break at 3", count)
	}
}

func TestBatchesPanics(t *testing.T) {
	for _, tt := range []struct{ n, size int }{{-1, 2}, {4, 0}, {4, -3}} {
		err := tapegradtest.Catch(func() { Batches(tt.n, tt.size, nil) })
		if !errors.Is(err, ErrArgument) {
			t.Errorf("Batches(%d, %d) panicked with %v, want ErrArgument", tt.n, tt.size, err)
		}
	}
}

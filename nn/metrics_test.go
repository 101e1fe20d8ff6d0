package nn_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestAccuracy(t *testing.T) {
	// argmax per row: 2, 0, 1, 0 (the tie in the last row goes to index 0)
	z := tensor.New([]float64{
		0.1, 0.2, 0.7,
		5, -1, 2,
		0, 3, 1,
		1, 1, 0,
	}, 4, 3)
	tests := []struct {
		name   string
		labels []int
		want   float64 // exact: a count over 4
	}{
		{"all right", []int{2, 0, 1, 0}, 1},
		{"three of four", []int{2, 0, 1, 1}, 0.75},
		{"tie goes to the first index", []int{1, 1, 1, 1}, 0.25},
		{"none", []int{0, 1, 2, 2}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nn.Accuracy(z, tt.labels); got != tt.want {
				t.Errorf("Accuracy = %g, want %g", got, tt.want)
			}
		})
	}
}

func TestBinaryAccuracy(t *testing.T) {
	p := tensor.New([]float64{0.9, 0.2, 0.6, 0.5}, 4, 1)
	tests := []struct {
		name      string
		out       *tensor.Tensor
		labels    []int
		threshold float64
		want      float64
	}{
		// 0.5 is not above 0.5: class 0
		{"probabilities", p, []int{1, 0, 1, 0}, 0.5, 1},
		{"probabilities, two wrong", p, []int{1, 1, 1, 1}, 0.5, 0.5},
		{"logits rank 1", tensor.New([]float64{2, -1, 0.1}, 3), []int{1, 0, 0}, 0, 2.0 / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nn.BinaryAccuracy(tt.out, tt.labels, tt.threshold); got != tt.want {
				t.Errorf("BinaryAccuracy = %g, want %g", got, tt.want)
			}
		})
	}
}

func TestMetricPanics(t *testing.T) {
	z := tensor.Zeros(2, 3)
	runPanics(t, []panicRow{
		{"accuracy label", func() { nn.Accuracy(z, []int{0, 3}) }, tensor.ErrIndex, []string{"nn.Accuracy", "label 3"}},
		{"accuracy batch", func() { nn.Accuracy(z, []int{0}) }, tensor.ErrShape, []string{"nn.Accuracy", "[2 3] and [1]"}},
		{"accuracy one column", func() { nn.Accuracy(tensor.Zeros(2, 1), []int{0, 1}) }, tensor.ErrShape, []string{"BinaryAccuracy"}},
		{"accuracy empty", func() { nn.Accuracy(tensor.Zeros(0, 3), nil) }, tensor.ErrShape, []string{"nn.Accuracy"}},
		{"binary shape", func() { nn.BinaryAccuracy(z, []int{0, 1}, 0.5) }, tensor.ErrShape, []string{"nn.BinaryAccuracy", "[2 3]"}},
		{"binary batch", func() { nn.BinaryAccuracy(tensor.Zeros(2), []int{0}, 0.5) }, tensor.ErrShape, []string{"1 labels for 2"}},
		{"binary label", func() { nn.BinaryAccuracy(tensor.Zeros(2), []int{0, 2}, 0.5) }, tensor.ErrIndex, []string{"label 2"}},
	})
}

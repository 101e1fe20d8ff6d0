package data

import (
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestBinaryTargets: the wants are what PyTorch's
// torch.tensor(labels).float().unsqueeze(1) holds.
func TestBinaryTargets(t *testing.T) {
	tests := []struct {
		name   string
		labels []int
		want   *tensor.Tensor
	}{
		{"mixed", []int{0, 1, 1, 0}, tensor.New([]float64{0, 1, 1, 0}, 4, 1)},
		{"one sample", []int{1}, tensor.New([]float64{1}, 1, 1)},
		{"empty", []int{}, tensor.Zeros(0, 1)},
		{"nil", nil, tensor.Zeros(0, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tt.want, BinaryTargets(tt.labels)); d != "" {
				t.Errorf("BinaryTargets(%v) (-want +got):\n%s", tt.labels, d)
			}
		})
	}
}

// TestMultiHot: the wants are scikit-learn's
// MultiLabelBinarizer(classes=range(k)).fit_transform(labels).
func TestMultiHot(t *testing.T) {
	tests := []struct {
		name   string
		labels [][]int
		k      int
		want   *tensor.Tensor
	}{
		{"several per sample", [][]int{{0, 2}, {1}, {}, {2, 2}}, 3,
			tensor.New([]float64{1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1}, 4, 3)},
		{"no classes", [][]int{{}, nil}, 0, tensor.Zeros(2, 0)},
		{"no samples", nil, 2, tensor.Zeros(0, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := tapegradtest.Diff(tt.want, MultiHot(tt.labels, tt.k)); d != "" {
				t.Errorf("MultiHot(%v, %d) (-want +got):\n%s", tt.labels, tt.k, d)
			}
		})
	}
}

func TestTargetPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want error
		msg  []string
	}{
		{"binary 2", func() { BinaryTargets([]int{0, 2}) }, ErrArgument, []string{"data.BinaryTargets", "label 2 of sample 1"}},
		{"binary -1", func() { BinaryTargets([]int{-1}) }, ErrArgument, []string{"label -1 of sample 0"}},
		{"multi-hot class k", func() { MultiHot([][]int{{0}, {1, 3}}, 3) }, tensor.ErrIndex, []string{"data.MultiHot", "class 3 of sample 1", "[0, 3)"}},
		{"multi-hot negative class", func() { MultiHot([][]int{{-1}}, 3) }, tensor.ErrIndex, []string{"class -1"}},
		{"multi-hot negative k", func() { MultiHot(nil, -1) }, ErrArgument, []string{"data.MultiHot", "-1 classes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tapegradtest.CheckPanic(t, tt.f, tt.want, tt.msg...) })
	}
}

package tapegrad_test

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

func init() { rowGroups = append(rowGroups, poolRows) }

// poolRows are the gradient-check rows of the pooling ops. Inputs are
// uniform on [−1, 1): distinct with probability 1, and a few dozen values
// sit about 0.05 apart, far beyond the checker's step of 1e-6, so no
// window's maximum changes under a finite-difference step (no ties). Each
// pooled value is squared so that the gradient depends on x and the
// second-order check runs the derivative ops' own rules
// (max_pool2d_backward ↔ max_pool2d_gather, avg_pool2d ↔
// avg_pool2d_backward, adaptive_avg_pool2d ↔ adaptive_avg_pool2d_backward).
func poolRows() []gradRow {
	type T = *autograd.Tape
	type V = []autograd.Var
	maxCfg := func(k, s, p, d [2]int, ceil bool) tensor.MaxPool2dConfig {
		return tensor.MaxPool2dConfig{Kernel: k, Stride: s, Padding: p, Dilation: d, CeilMode: ceil}
	}
	avgCfg := func(k, s, p [2]int, ceil, incl bool, div int) tensor.AvgPool2dConfig {
		return tensor.AvgPool2dConfig{Kernel: k, Stride: s, Padding: p, CeilMode: ceil, CountIncludePad: incl, DivisorOverride: div}
	}
	maxRow := func(name string, shape []int, c tensor.MaxPool2dConfig) gradRow {
		return gradRow{name: name, shapes: [][]int{shape}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.MaxPool2d(x[0], c))
		}}
	}
	avgRow := func(name string, shape []int, c tensor.AvgPool2dConfig) gradRow {
		return gradRow{name: name, shapes: [][]int{shape}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.AvgPool2d(x[0], c))
		}}
	}
	adaptiveRow := func(name string, shape []int, oh, ow int) gradRow {
		return gradRow{name: name, shapes: [][]int{shape}, f: func(tp T, x V) autograd.Var {
			return tp.Square(tp.AdaptiveAvgPool2d(x[0], oh, ow))
		}}
	}
	return []gradRow{
		maxRow("max_pool2d/2x2 stride 2", []int{1, 2, 4, 4}, tensor.MaxPool2dDefaults(2, 2)),
		maxRow("max_pool2d/3x3 stride 2 padding 1", []int{1, 1, 5, 6}, maxCfg([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, false)),
		maxRow("max_pool2d/3x2 stride (2,1) ceil", []int{2, 1, 6, 4}, maxCfg([2]int{3, 2}, [2]int{2, 1}, [2]int{0, 1}, [2]int{1, 1}, true)),
		maxRow("max_pool2d/dilation 2 unbatched", []int{2, 5, 5}, maxCfg([2]int{2, 2}, [2]int{1, 2}, [2]int{1, 0}, [2]int{2, 2}, false)),
		{name: "max_pool2d/linear (plain)", shapes: [][]int{{1, 1, 4, 4}}, f: func(tp T, x V) autograd.Var {
			return tp.MaxPool2d(x[0], maxCfg([2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}, false))
		}},
		avgRow("avg_pool2d/2x2 defaults", []int{1, 2, 4, 4}, tensor.AvgPool2dDefaults(2, 2)),
		avgRow("avg_pool2d/3x3 stride 2 padding 1 count_include_pad", []int{1, 1, 5, 6}, avgCfg([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, false, true, 0)),
		avgRow("avg_pool2d/ceil count_include_pad false", []int{1, 2, 5, 4}, avgCfg([2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}, true, false, 0)),
		avgRow("avg_pool2d/divisor_override unbatched", []int{2, 4, 5}, avgCfg([2]int{2, 3}, [2]int{1, 2}, [2]int{1, 1}, true, true, 3)),
		adaptiveRow("adaptive_avg_pool2d/5x5 to 3x3", []int{1, 2, 5, 5}, 3, 3),
		adaptiveRow("adaptive_avg_pool2d/5x7 to 3x2 unbatched", []int{1, 5, 7}, 3, 2),
		adaptiveRow("adaptive_avg_pool2d/3x2 to 4x5 (upsampling)", []int{1, 1, 3, 2}, 4, 5),
	}
}

package tapegrad_test

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

func init() { rowGroups = append(rowGroups, convRows) }

// convSq returns y ⊙ y.
func convSq(tp *autograd.Tape, y autograd.Var) autograd.Var { return tp.Mul(y, y) }

// conv2dCfg returns a 2-D config with equal height and width values.
func conv2dCfg(stride, padding, dilation, groups int) tensor.Conv2dConfig {
	c := tensor.Conv2dDefaults()
	c.Stride, c.Padding, c.Dilation, c.Groups = [2]int{stride, stride}, [2]int{padding, padding}, [2]int{dilation, dilation}, groups
	return c
}

// convRows are the convolutions' rows: each hyper-parameter once, on
// tensors of a few dozen elements. conv2d_weight, the op of conv2d's weight
// gradient, is checked through the second-order checks of these rows.
// Some rows square their result (convSq, a product y ⊙ y rather than tanh,
// which completeness_test.go's "tanh row removed" case needs to be the
// only user of) so that the second derivative also reaches the rules
// through a gradient that depends on the output.
func convRows() []gradRow {
	type T = *autograd.Tape
	type V = []autograd.Var
	cfgStrided := conv2dCfg(2, 1, 1, 1)
	cfgAll := tensor.Conv2dConfig{Stride: [2]int{2, 1}, Padding: [2]int{0, 1}, Dilation: [2]int{1, 2}, Groups: 2}
	tr := conv2dCfg(2, 1, 1, 1)
	tr.OutputPadding = [2]int{1, 0}
	c1 := tensor.Conv1dDefaults()
	c1.Stride, c1.Padding, c1.Dilation = 2, 1, 2
	return []gradRow{
		{name: "conv2d/plain", shapes: [][]int{{2, 2, 4, 4}, {3, 2, 2, 2}},
			f: func(tp T, x V) autograd.Var { return tp.Conv2d(x[0], x[1], conv2dCfg(1, 0, 1, 1)) }},
		{name: "conv2d/stride 2 padding 1", shapes: [][]int{{1, 2, 5, 4}, {2, 2, 3, 3}},
			f: func(tp T, x V) autograd.Var { return convSq(tp, tp.Conv2d(x[0], x[1], cfgStrided)) }},
		{name: "conv2d/dilation 2 padding 2", shapes: [][]int{{1, 1, 5, 5}, {2, 1, 2, 2}},
			f: func(tp T, x V) autograd.Var { return tp.Conv2d(x[0], x[1], conv2dCfg(1, 2, 2, 1)) }},
		{name: "conv2d/groups 2", shapes: [][]int{{1, 4, 3, 3}, {4, 2, 2, 2}},
			f: func(tp T, x V) autograd.Var { return convSq(tp, tp.Conv2d(x[0], x[1], conv2dCfg(1, 0, 1, 2))) }},
		{name: "conv2d/uneven stride, padding, dilation, groups", shapes: [][]int{{1, 2, 5, 4}, {2, 1, 2, 2}},
			f: func(tp T, x V) autograd.Var { return tp.Conv2d(x[0], x[1], cfgAll) }},
		{name: "conv2d/bias", shapes: [][]int{{1, 1, 4, 4}, {2, 1, 3, 3}, {2, 1, 1}},
			f: func(tp T, x V) autograd.Var {
				return convSq(tp, tp.Add(tp.Conv2d(x[0], x[1], conv2dCfg(1, 1, 1, 1)), x[2]))
			}},
		{name: "conv1d/stride 2 padding 1 dilation 2", shapes: [][]int{{2, 2, 7}, {3, 2, 2}},
			f: func(tp T, x V) autograd.Var { return convSq(tp, tp.Conv1d(x[0], x[1], c1)) }},
		{name: "conv_transpose2d/stride 2 output padding", shapes: [][]int{{1, 2, 3, 2}, {2, 2, 2, 2}},
			f: func(tp T, x V) autograd.Var { return convSq(tp, tp.ConvTranspose2d(x[0], x[1], tr)) }},
		{name: "conv_transpose2d/groups 2 dilation 2", shapes: [][]int{{1, 4, 2, 2}, {4, 1, 2, 2}},
			f: func(tp T, x V) autograd.Var { return tp.ConvTranspose2d(x[0], x[1], conv2dCfg(1, 0, 2, 2)) }},
	}
}

package main

import (
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// perSample is W8: the 64 per-example gradients of W1's network at its
// initial weights, by Vmap of GradOf ("per-sample-grads") and by 64
// single-example backward passes ("w8-loop").
type perSample struct {
	model  *nn.Sequential
	params []autograd.Var
	x      *tensor.Tensor // (64, 784)
	onehot *tensor.Tensor // (64, 10)
	labels []int
	tp     *autograd.Tape
	grads  []*tensor.Tensor // the loop's result, (64, …) per parameter
}

// loss is ℓ = logsumexp(z) − z[label] of one example, with its one-hot
// label as a Var (so that Vmap can map it).
func (w *perSample) loss(tp *autograd.Tape, z, onehot autograd.Var) autograd.Var {
	return nn.CrossEntropyProbs(tp, z, onehot)
}

func newPerSample(dt tensor.DType) *perSample {
	model, x, labels := w1(dt)
	w := &perSample{model: model, params: nn.Params(model), labels: labels, tp: autograd.NewTape(),
		x: x, onehot: tensor.OneHot(labels, 10).To(dt)}
	for _, p := range w.params {
		w.grads = append(w.grads, dt.Zeros(append([]int{len(labels)}, p.Shape()...)...))
	}
	return w
}

// vmapped computes the 64 gradient sets with nn.PerSampleGrads (Vmap of
// GradOf over the model) on a reused tape; the results are the tape's
// (valid until its next Reset).
func (w *perSample) vmapped() []*tensor.Tensor {
	tp := w.tp
	tp.Reset()
	out := nn.PerSampleGrads(tp, w.model, w.loss, tp.Const(w.x), tp.Const(w.onehot))
	ts := make([]*tensor.Tensor, len(out))
	for i, v := range out {
		ts[i] = v.Value()
	}
	return ts
}

// loop computes them by 64 forward and backward passes on one row each,
// copying each parameter's gradient into its slot.
func (w *perSample) loop() []*tensor.Tensor {
	tp := w.tp
	for n := range w.labels {
		for _, p := range w.params {
			p.ZeroGrad()
		}
		tp.Reset()
		x := tp.Const(tensor.Slice(w.x, 0, n, n+1))
		tp.Backward(nn.CrossEntropy(tp, w.model.Forward(tp, x), w.labels[n:n+1]))
		for i, p := range w.params {
			g := p.Grad()
			if g.DType() == tensor.Float32 {
				copy(w.grads[i].Data32()[n*g.Len():], g.Data32())
			} else {
				copy(w.grads[i].Data()[n*g.Len():], g.Data())
			}
		}
	}
	return w.grads
}

// check returns W8's check values of the gradient sets gs (per parameter,
// (64, …)).
func (w *perSample) check(gs []*tensor.Tensor) map[string]float64 {
	var sq, sq0 float64
	for _, g := range gs {
		v := g.Float64s()
		per := len(v) / len(w.labels)
		for i, x := range v {
			sq += x * x
			if i < per {
				sq0 += x * x
			}
		}
	}
	db3 := gs[5].Float64s()[w.labels[0]]
	return map[string]float64{"sq_norm_sum": sq, "norm_ex0": math.Sqrt(sq0), "db3_ex0": db3}
}

func perSampleGrads(dt tensor.DType, reps, steps int) []result {
	w := newPerSample(dt)
	var out []result
	for _, c := range []struct {
		name string
		f    func() []*tensor.Tensor
	}{{"per-sample-grads", w.vmapped}, {"w8-loop", w.loop}} {
		check := w.check(c.f())
		s := blocks(func() { c.f() }, reps, steps)
		for i := range s {
			s[i] *= 1e3
		}
		out = append(out, result{Workload: c.name, Unit: "ms/batch", Samples: s, Check: check})
	}
	return out
}

package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
)

// PerSampleGrads returns the gradient of every example's own loss with
// respect to every parameter of m, in the order of Params(m) (so they
// line up with an optimiser's parameters; a tied parameter once): grads[i]
// has shape (B, …parameter i's shape), and grads[i][n] = ∂ℓₙ/∂θᵢ with
// ℓₙ = loss(tp, m(xₙ), yₙ), the loss of example n alone (a loss that
// averages over its batch averages over one example). Example n reaches
// the model as a batch of one, x[n:n+1] and target[n:n+1], so the model
// and the loss are the ones used for training (functorch's recipe of
// vmap(grad(…)) over functional_call with unsqueeze(0)).
//
// It is one batched computation, autograd.Vmap of autograd.GradOf of the
// model called with its parameters as inputs (WithParams), not a loop of
// B backward passes: the model is traced on example 0 and replayed for
// the whole batch (see autograd.Vmap for what the trace means for layers
// that read values or draw random numbers, such as Dropout, and note that
// BatchNorm in training mode normalises each example by its own
// statistics). A model without trainable parameters gives nil. The results are Vars of tp, valid until its Reset; when
// tp records, they can be differentiated again.
//
// target holds one row per example: one-hot or class probabilities for
// CrossEntropyProbs, regression targets for MSE. It panics with ErrArg if
// m or loss is nil or a Var is the zero Var, and with tensor.ErrShape if
// x and target do not have the same number of rows.
func PerSampleGrads(tp *autograd.Tape, m Module, loss func(tp *autograd.Tape, out, target autograd.Var) autograd.Var, x, target autograd.Var) []autograd.Var {
	const op = "nn.PerSampleGrads"
	checkModule(op, m)
	if loss == nil {
		argPanic(op, "nil loss function")
	}
	checkVar(op, "x", x)
	checkVar(op, "target", target)
	xs, ts := x.Shape(), target.Shape()
	if len(xs) == 0 || len(ts) == 0 || xs[0] != ts[0] {
		shapePanic(op, "x and target must have one row per example", xs, ts)
	}
	var names []string
	var in []autograd.Var
	for _, p := range m.NamedParams() {
		if !p.Buffer && !containsVar(in, p.Var) {
			names = append(names, p.Name)
			in = append(in, p.Var)
		}
	}
	k := len(names)
	if k == 0 {
		return nil
	}
	one := func(tp *autograd.Tape, v []autograd.Var) autograd.Var {
		repl := make(map[string]autograd.Var, k)
		for i, name := range names {
			repl[name] = v[i]
		}
		var l autograd.Var
		withParams(op, m, repl, func() {
			l = loss(tp, m.Forward(tp, tp.Unsqueeze(v[k], 0)), tp.Unsqueeze(v[k+1], 0))
		})
		if l.Valid() && l.Value().Len() != 1 {
			shapePanic(op, fmt.Sprintf("the loss of one example must have one element, not %d", l.Value().Len()), l.Shape())
		}
		return l
	}
	argnums := make([]int, k)
	axes := make([]int, k+2)
	for i := range k {
		argnums[i], axes[i] = i, autograd.Unbatched
	}
	return autograd.Vmap(autograd.GradOf(one, argnums...), axes, nil)(tp, append(in, x, target))
}

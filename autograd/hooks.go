package autograd

// Hook reads or replaces the gradient reaching a Var during a backward
// pass. It returns the gradient to use from then on (return g unchanged to
// only observe it). The returned Var must have g's shape.
type Hook func(g Var) Var

// Hook registers h on v: whenever a backward pass has summed the gradient
// reaching v from all its uses, the hooks of v run in the order they were
// registered, each receiving the previous one's result, before the gradient
// flows on to v's inputs (or, for a Tape.Var leaf, is stored). Hooks last
// until the tape is Reset. In create-graph mode a hook's ops are recorded.
func (tp *Tape) Hook(v Var, h Hook) {
	tp.check("Hook", v)
	if v.p != nil {
		panic(errHookParam)
	}
	if tp.hooks == nil {
		tp.hooks = map[int32][]Hook{}
	}
	tp.hooks[v.id] = append(tp.hooks[v.id], h)
}

func (tp *Tape) applyHooks(i int, g Var, hs []Hook) Var {
	for _, h := range hs {
		ng := h(g)
		tp.check("Hook result", ng)
		if !sameShape(ng.Shape(), g.Shape()) {
			panic(shapeErr("autograd.Hook", "a hook must return a gradient of the shape it received", g.Shape(), ng.Shape()))
		}
		g = ng
	}
	return g
}

package nn_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestNilArgs calls every exported function and method of nn with nil and
// zero-value arguments (a nil rng, tensor, function, module or tape, the
// zero Var, a zero-value layer) and fails if a runtime error escapes: each
// such misuse must panic with one of the package's documented errors (see
// the package doc) or work. A new entry point without a row fails the test.
func TestNilArgs(t *testing.T) {
	var (
		tp   *autograd.Tape // nil: inference without recording
		zero autograd.Var   // the zero Var
		rng  = tapegradtest.NewRNG()
		v1   = autograd.Const(tensor.New([]float64{0.5}, 1))         // (1)
		v2   = autograd.Const(tensor.New([]float64{0.5, 0.5}, 1, 2)) // (1, 2)
	)
	nilLayer := func() *nn.Sequential { return &nn.Sequential{Layers: []nn.Module{nil}} }
	training := func() *nn.Dropout { // a zero-value Dropout switched on: no rng
		d := &nn.Dropout{P: 0.5}
		d.SetTraining(true)
		return d
	}
	initRows := func(init nn.Init) []func() {
		return []func(){
			func() { init(nil, 0, 0) },
			func() { init(nil, 1, 1, 1) },
		}
	}
	actRows := func(a nn.Activation) []func() {
		return append(initRows(a.WeightInit()),
			func() { a.Forward(tp, zero) },
			func() { a.Forward(autograd.NewTape(), zero) },
			func() { _ = a.NamedParams() },
		)
	}
	rows := map[string][]func(){
		"Accuracy":       {func() { nn.Accuracy(nil, nil) }, func() { nn.Accuracy(new(tensor.Tensor), nil) }},
		"BinaryAccuracy": {func() { nn.BinaryAccuracy(nil, nil, 0) }, func() { nn.BinaryAccuracy(new(tensor.Tensor), nil, 0) }},
		"ClassWeights": {
			func() { nn.ClassWeights(nil) },
			func() { nn.CrossEntropy(tp, v2, []int{0}, nn.ClassWeights(nil)) },
			func() { nn.CrossEntropy(tp, v2, []int{0}, nn.ClassWeights(new(tensor.Tensor))) },
		},
		"CrossEntropy": {
			func() { nn.CrossEntropy(tp, zero, nil) },
			func() { nn.CrossEntropy(tp, v2, nil) },
			func() { nn.CrossEntropy(tp, v2, []int{0}, nil) },
		},
		"NLLLoss": {
			func() { nn.NLLLoss(tp, zero, nil) },
			func() { nn.NLLLoss(tp, v2, nil) },
			func() { nn.NLLLoss(tp, v2, []int{0}, nil) },
		},
		"Dropout.Forward": {
			func() { new(nn.Dropout).Forward(tp, zero) },
			func() { training().Forward(tp, v1) },
			func() { nn.NewDropout(rng, 0.5).Forward(tp, zero) },
		},
		"Dropout.Draws":       {func() { new(nn.Dropout).Draws() }},
		"Dropout.Skip":        {func() { new(nn.Dropout).Skip(0) }, func() { new(nn.Dropout).Skip(1) }},
		"Dropout.NamedParams": {func() { new(nn.Dropout).NamedParams() }},
		"Dropout.SetTraining": {func() { new(nn.Dropout).SetTraining(false) }},
		"Dropout.String":      {func() { _ = new(nn.Dropout).String() }},
		"Dropout.Training":    {func() { new(nn.Dropout).Training() }},
		"GainLeakyReLU":       {}, // takes no pointer, function or interface
		"HeNormal":            initRows(nn.HeNormal(0)),
		"HeUniform":           initRows(nn.HeUniform(0)),
		"XavierNormal":        initRows(nn.XavierNormal(0)),
		"XavierUniform":       initRows(nn.XavierUniform(0)),
		"Normal":              initRows(nn.Normal(0, 0)),
		"Uniform":             initRows(nn.Uniform(0, 0)),
		"Zeros":               initRows(nn.Zeros),
		"Identity":            actRows(nn.Identity()),
		"LeakyReLU":           actRows(nn.LeakyReLU(0)),
		"ReLU":                actRows(nn.ReLU()),
		"Sigmoid":             actRows(nn.Sigmoid()),
		"Softmax":             actRows(nn.Softmax(0)),
		"Step":                actRows(nn.Step()),
		"Tanh":                actRows(nn.Tanh()),
		"NewActivation": {
			func() { nn.NewActivation("", nil, nil) },
			func() { nn.NewActivation("", nil, nil).Forward(tp, v1) },
		},
		"Linear.Forward": {
			func() { new(nn.Linear).Forward(tp, zero) },
			func() { new(nn.Linear).Forward(tp, v1) },
			func() { nn.NewLinear(rng, 1, 1, nil).Forward(tp, zero) },
		},
		"Linear.NamedParams": {func() { new(nn.Linear).NamedParams() }},
		"Linear.String":      {func() { _ = new(nn.Linear).String() }},
		"LinearFromTorch": {
			func() { nn.LinearFromTorch(nil, nil) },
			func() { nn.LinearFromTorch(new(tensor.Tensor), nil) },
			func() { nn.LinearFromTorch(tensor.Zeros(1, 1), new(tensor.Tensor)) },
		},
		"Neuron.Forward": {
			func() { new(nn.Neuron).Forward(tp, zero) },
			func() { new(nn.Neuron).Forward(tp, v1) },
			func() { nn.NewNeuron(rng, 1, nil).Forward(tp, zero) },
		},
		"Neuron.NamedParams": {func() { new(nn.Neuron).NamedParams() }},
		"Neuron.String":      {func() { _ = new(nn.Neuron).String() }},
		"BCEWithLogits":      lossRows(nn.BCEWithLogits, v1),
		"BinaryCrossEntropy": lossRows(nn.BinaryCrossEntropy, v1),
		"MSE":                lossRows(nn.MSE, v1),
		"Quadratic":          lossRows(nn.Quadratic, v1),
		"NewDropout":         {func() { nn.NewDropout(nil, 0) }},
		"NewLinear": {
			func() { nn.NewLinear(nil, 0, 0, nil) },
			func() { nn.NewLinear(nil, 1, 1, nil) },
		},
		"NewMLP": {
			func() { nn.NewMLP(nil, nil, nil, nil) },
			func() { nn.NewMLP(nil, []int{1, 1}, nil, nil) },
			func() { nn.NewMLP(rng, []int{1, 1}, nil, nil).Forward(tp, zero) },
		},
		"NewNeuron": {
			func() { nn.NewNeuron(nil, 0, nil) },
			func() { nn.NewNeuron(nil, 1, nil) },
		},
		"NewSequential": {
			func() { nn.NewSequential() },
			func() { nn.NewSequential(nil) },
		},
		"NumParams": {func() { nn.NumParams(nil) }, func() { nn.NumParams(nilLayer()) }},
		"Params":    {func() { nn.Params(nil) }, func() { nn.Params(nilLayer()) }},
		"ZeroGrad":  {func() { nn.ZeroGrad(nil) }, func() { nn.ZeroGrad(nilLayer()) }},
		"To": {func() { nn.To(nil, tensor.Float32) }, func() { nn.To(nilLayer(), tensor.Float32) },
			func() { nn.To(nn.NewSequential(), tensor.DType(9)) }},
		"DType":       {func() { nn.DType(nil) }, func() { nn.DType(nilLayer()) }},
		"SetTraining": {func() { nn.SetTraining(nil, false) }, func() { nn.SetTraining(nilLayer(), false) }},
		"Walk": {
			func() { nn.Walk(nil, nil) },
			func() { nn.Walk(nil, func(nn.Module) {}) },
			func() { nn.Walk(nn.NewSequential(), nil) },
			func() { nn.Walk(nilLayer(), func(m nn.Module) { m.NamedParams() }) },
		},
		"Children":         {func() { nn.Children(nil) }, func() { nn.Children(nilLayer()) }, func() { nn.Children(new(nn.Linear)) }},
		"FieldParams":      {func() { nn.FieldParams(nil) }, func() { nn.FieldParams((*nn.Sequential)(nil)) }, func() { nn.FieldParams(new(nn.Sequential)) }},
		"NameParams":       {func() { nn.NameParams[nn.Module](nil) }, func() { nn.NameParams(nilLayer()) }, func() { nn.NameParams(new(nn.Linear)) }},
		"Summary":          {func() { nn.Summary(nil) }, func() { nn.Summary(nilLayer()) }, func() { nn.Summary(new(nn.Linear)) }},
		"Reduction.String": {func() { _ = nn.Reduction(-1).String() }},
		"Sequential.Children": {
			func() { new(nn.Sequential).Children() },
		},
		"Sequential.Forward": {
			func() { new(nn.Sequential).Forward(tp, zero) },
			func() { nilLayer().Forward(tp, v1) },
		},
		"Sequential.NamedParams": {
			func() { new(nn.Sequential).NamedParams() },
			func() { nilLayer().NamedParams() },
		},
		"Sequential.String": {
			func() { _ = new(nn.Sequential).String() },
			func() { _ = nilLayer().String() },
		},
	}
	for name, calls := range moreNilRows {
		rows[name] = append(rows[name], calls...)
	}
	tapegradtest.CheckEntryPoints(t, rows, nn.ErrArg, tensor.ErrShape, tensor.ErrIndex, tensor.ErrArg, autograd.ErrTape)
}

// moreNilRows holds the rows of layers defined in files of their own
// (conv.go, norm.go, …), added by those files' tests from init, so that
// each layer keeps its rows beside its tests.
var moreNilRows = map[string][]func(){}

// lossRows are the nil rows of a cost of an output and a target.
func lossRows(loss func(*autograd.Tape, autograd.Var, autograd.Var, ...nn.LossOption) autograd.Var, v autograd.Var) []func() {
	var zero autograd.Var
	return []func(){
		func() { loss(nil, zero, zero) },
		func() { loss(nil, v, zero) }, // a nil target
		func() { loss(nil, zero, v) },
		func() { loss(autograd.NewTape(), v, zero) },
		func() { loss(nil, v, v, nil) },
	}
}

// TestNilArgMessages checks that the nil arguments the issue tracker found
// crashing now panic with ErrArg naming the function and the argument.
func TestNilArgMessages(t *testing.T) {
	var zero autograd.Var
	rng := tapegradtest.NewRNG()
	v := autograd.Const(tensor.New([]float64{0.5}, 1))
	runPanics(t, []panicRow{
		{"NewSequential nil layer", func() { nn.NewSequential(nn.ReLU(), nil) }, nn.ErrArg, []string{"nn.NewSequential", "layer 1", "nil module"}},
		{"Sequential.Forward nil layer", func() { (&nn.Sequential{Layers: []nn.Module{nil}}).Forward(nil, v) }, nn.ErrArg, []string{"nn.Sequential.Forward", "layer 0"}},
		{"Params nil", func() { nn.Params(nil) }, nn.ErrArg, []string{"nn.Params", "nil module"}},
		{"NumParams nil", func() { nn.NumParams(nil) }, nn.ErrArg, []string{"nn.NumParams", "nil module"}},
		{"Walk nil f", func() { nn.Walk(nn.ReLU(), nil) }, nn.ErrArg, []string{"nn.Walk", "nil function f"}},
		{"SetTraining nil child", func() { nn.SetTraining(&nn.Sequential{Layers: []nn.Module{nn.ReLU(), nil}}, true) }, nn.ErrArg, []string{"nn.SetTraining", "child 1"}},
		{"NewLinear nil rng", func() { nn.NewLinear(nil, 2, 3, nil) }, nn.ErrArg, []string{"nn.NewLinear", "nil rng"}},
		{"NewMLP nil rng", func() { nn.NewMLP(nil, []int{2, 1}, nil, nil) }, nn.ErrArg, []string{"nn.NewMLP", "nil rng"}},
		{"NewNeuron nil rng", func() { nn.NewNeuron(nil, 2, nn.Sigmoid()) }, nn.ErrArg, []string{"nn.NewNeuron", "nil rng"}},
		{"HeNormal nil rng", func() { nn.HeNormal(1)(nil, 2, 2, 2, 2) }, nn.ErrArg, []string{"nn.HeNormal", "nil rng"}},
		{"Quadratic nil target", func() { nn.Quadratic(nil, v, zero) }, nn.ErrArg, []string{"nn.Quadratic", "target is the zero Var"}},
		{"BCEWithLogits nil output", func() { nn.BCEWithLogits(nil, zero, v) }, nn.ErrArg, []string{"nn.BCEWithLogits", "output is the zero Var"}},
		{"CrossEntropy nil input", func() { nn.CrossEntropy(nil, zero, []int{0}) }, nn.ErrArg, []string{"nn.CrossEntropy", "input is the zero Var"}},
		{"NewActivation nil f", func() { nn.NewActivation("g", nil, nil) }, nn.ErrArg, []string{"nn.NewActivation", "nil function f", `"g"`}},
		{"LinearFromTorch nil", func() { nn.LinearFromTorch(nil, nil) }, nn.ErrArg, []string{"nn.LinearFromTorch", "nil weight"}},
		{"Linear zero value", func() { new(nn.Linear).Forward(nil, v) }, nn.ErrArg, []string{"nn.Linear", "weight is the zero Var"}},
		{"Linear zero input", func() { nn.NewLinear(rng, 1, 1, nil).Forward(nil, zero) }, nn.ErrArg, []string{"nn.Linear", "input is the zero Var"}},
		{"Dropout without rng", func() {
			d := &nn.Dropout{P: 0.5}
			d.SetTraining(true)
			d.Forward(nil, v)
		}, nn.ErrArg, []string{"nn.Dropout.Forward", "nil rng"}},
		{"Accuracy nil", func() { nn.Accuracy(nil, nil) }, nn.ErrArg, []string{"nn.Accuracy", "nil logits"}},
	})
}

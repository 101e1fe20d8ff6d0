// Package nn builds neural networks on the autograd tape: neurons, dense
// layers, a sequential container, struct modules of your own, activations,
// dropout, initialisers and cost functions, and the layers of convolutional,
// recurrent and attention models.
//
// # Layers
//
// Beside Linear and Dropout: Conv1d, Conv2d and ConvTranspose2d; MaxPool2d,
// AvgPool2d, AdaptiveAvgPool2d and Flatten; BatchNorm (NewBatchNorm1d,
// NewBatchNorm2d), LayerNorm and GroupNorm (NormDefaults: eps 1e-5,
// momentum 0.1); Embedding; ScaledDotProductAttention, MultiheadAttention
// and TransformerEncoderLayer; LSTMCell, GRUCell, LSTM and GRU. Each
// follows PyTorch 1.13's semantics, parameter names, layouts, defaults and
// initialisation, so that a PyTorch state dict of the same architecture
// loads with nn/checkpoint's Torch option and gives the same outputs (the
// tests match PyTorch's outputs and input gradients to 1e-10); where one
// differs, its doc says how. Inputs are batch first: (N, C, H, W) images,
// (N, T, features) sequences. State that is saved but not trained
// (BatchNorm's running statistics) is listed by NamedParams with Buffer
// set. A layer with several inputs keeps Forward(tp, x) for its common use
// and has a method for the full form: MultiheadAttention.Attend,
// TransformerEncoderLayer.Encode, LSTM.Run, LSTMCell.Step.
//
// # Defining a model
//
// A Module is anything with a Forward method recording its ops on a tape
// and a list of named parameters. Layers are Modules; Sequential chains
// them; NewMLP builds the usual stack:
//
//	rng := rand.New(rand.NewPCG(1, 2))                  // every draw is seeded
//	model := nn.NewMLP(rng, []int{784, 30, 10}, nn.Sigmoid(), nil)
//
//	tp := autograd.NewTape()
//	logits := model.Forward(tp, tp.Const(batch))         // batch: (n, 784)
//	cost := nn.CrossEntropy(tp, logits, labels)         // labels: []int, len n
//	nn.ZeroGrad(model)
//	tp.Backward(cost)                                   // ∂C/∂w in p.Grad()
//	for _, p := range nn.Params(model) { … update p.Value() … }
//
// A nil tape runs the same model for inference without recording:
// model.Forward(nil, autograd.Const(x)). Call nn.SetTraining(model, false)
// first if it holds Dropout layers.
//
// Data are laid out one datapoint per row: a batch of n inputs with k
// features is a (n, k) tensor. A layer's parameters are autograd parameters
// (they outlive tapes and accumulate gradients until ZeroGrad), and each has
// a stable hierarchical name, PyTorch's state_dict keys: NewMLP(rng,
// []int{2, 2, 1}, …) holds layers.0.weight, layers.0.bias, layers.2.weight
// and layers.2.bias (index 1 is the activation). Optimisers, gradient
// clipping and checkpoints walk Module.NamedParams or Params.
//
// # Custom modules
//
// A model of your own is a struct holding its layers, a Forward method and
// one line of NamedParams; FieldParams finds the layers in the struct's
// exported fields:
//
//	type Net struct {
//		Hidden *nn.Linear
//		Drop   *nn.Dropout
//		Out    *nn.Linear `nn:"head"` // a tag renames the field
//	}
//
//	func (n *Net) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
//		h := tp.ReLU(n.Hidden.Forward(tp, x))
//		return n.Out.Forward(tp, n.Drop.Forward(tp, h))
//	}
//
//	func (n *Net) NamedParams() []nn.NamedParam { return nn.FieldParams(n) }
//
// Its parameters are hidden.weight, hidden.bias, head.weight and head.bias:
// PyTorch's attribute names (the field name in snake_case, slices of
// layers numbered like a ModuleList: blocks.0.weight), so a PyTorch state
// dict of the same architecture loads by name with nn/checkpoint. Walk,
// SetTraining, Summary and checkpoints find the layers in the same fields,
// so no Children method is needed, and the parameters are named by their
// paths (NameParams), so DOT graphs and error messages say hidden.weight
// rather than weight. Modules compose: a Net can be a field of a bigger
// struct, or a layer of a Sequential.
//
// Summary prints a model as a tree with each layer's parameter shapes and
// counts, and the totals, like Keras's model.summary():
//
//	fmt.Println(nn.Summary(model))
//
// A single unit is a Neuron, z = wᵀx + b, a = g(z), exactly as the course
// draws it; a Linear layer is k such units side by side, y = x·W + b.
//
// # Weight layout and PyTorch
//
// Linear stores W as (in, out) so that a batch multiplies as x·W with no
// transpose; column j holds the weights of unit j. PyTorch's nn.Linear
// stores the transpose, (out, in), and computes x·Wᵀ. To load PyTorch
// weights use LinearFromTorch (or W = tensor.T(torchWeight)); to export,
// tensor.T(l.W.Value()).
//
// # Initialisation
//
// Initialisers (type Init) draw from a seeded *rand.Rand, so a seed fixes a
// model. Each Activation names the initialiser that suits the weights
// feeding it: Xavier/Glorot (Var(w) = 2/(fan_in + fan_out)) for sigmoid,
// tanh and linear outputs, He/Kaiming (Var(w) = 2/fan_in) for ReLU. Biases
// start at zero.
//
// # Cost functions
//
// Every cost follows the course's rule: it is the mean over datapoints of a
// per-datapoint cost, C = 1/n Σₓ cₓ, the first axis of its inputs counting
// the datapoints. A Reduction option changes the last step: ReduceMean (the
// default) gives the mean, ReduceSum the sum and ReduceNone the vector of
// cₓ, shape (n):
//
//	nn.Quadratic(tp, a, y)                // 1/n Σₓ ‖y − a‖²
//	nn.Quadratic(tp, a, y, nn.ReduceNone) // ‖y − a‖² per datapoint
//
// A cost summed over output units and one averaged over them differ by the
// number of units k: Quadratic = k·MSE (PyTorch's MSELoss is MSE). The
// binary cross-entropies sum over output units, as the course does;
// PyTorch's BCELoss averages over them, which agrees for the usual single
// output unit.
//
// On logits, prefer the fused, stable forms: CrossEntropy (softmax +
// log-likelihood, via log-sum-exp) and BCEWithLogits (sigmoid +
// cross-entropy, via softplus). They give finite, exact costs and gradients
// for logits of ±1000, where the two-step forms overflow or take log 0.
// All costs are built from autograd ops, so they are differentiable to any
// order (gradient penalties, Hessian-vector products).
//
// # Models as functions of their parameters
//
// FunctionalCall(tp, m, params, x) runs m with the parameters (or buffers)
// named in params replaced by other Vars, tape Vars included, and puts
// m's own back afterwards, PyTorch's torch.func.functional_call; WithParams
// does the same around any block of code. The model then is a
// differentiable function of its parameters: MAML's inner update
// θ' = θ − α·∇L(θ) recorded with GradGraph and an outer loss at θ', or
// any transform of autograd's functions of tensors. The replacement is
// made by a reflective walk that sets the module's own references (every
// field holding the parameter's Var), so it works for every layer and for
// custom modules without their help, and it must not overlap other use of
// the same model. CheckModel builds on it to check a whole model's
// gradients numerically (autograd.Check, first or second order, all
// elements or a seeded sample), one parameter at a time, and names the
// parameters whose derivatives are wrong. PerSampleGrads builds on it with
// autograd.Vmap of autograd.GradOf: every example's own gradient of every
// parameter in one batched pass (DP-SGD's clipping, influence functions);
// CrossEntropyProbs takes targets as a Var so they can be mapped.
//
// # Errors
//
// Misuse is a programming error and panics. Shape mismatches (a Linear
// layer given (batch, wrong_in), labels and logits of different batch sizes,
// a (n, 1) output against a (n) target) panic with a *tensor.ShapeError
// wrapping tensor.ErrShape, a label out of range with one wrapping
// tensor.ErrIndex; the message names the layer or cost and the shapes.
// Other bad arguments (a dropout probability of 1.5) wrap ErrArg, as do
// nil arguments where a value is needed (a nil module, rng, tensor or
// function, a nil layer inside a Sequential, the zero Var as a cost's
// output or target, a layer made as a zero value rather than by its
// constructor): the message names the function and the argument.
//
// # Concurrency
//
// Forward passes only read a model's parameters, so any number of
// goroutines may run inference on one shared model at once, each with its
// own tape or a nil tape (a tape is not safe for concurrent use); the
// outputs equal a sequential run's bit for bit. Training (Backward, which
// accumulates into the parameters' gradients, an optimiser's Step,
// ZeroGrad, loading a checkpoint) writes the parameters and must not overlap
// other use of the same model. The first NamedParams (or Params) of a
// composed model may name its parameters (NameParams): make the optimiser
// before sharing the model. Dropout layers in training mode draw from
// their own rng and are therefore not safe to share: call
// SetTraining(model, false) before concurrent inference.
package nn

package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
)

// Net is a custom module: its layers are struct fields, and one line of
// NamedParams gives them PyTorch's names. Walk, SetTraining, Summary and
// checkpoints find the layers as children without a Children method.
type Net struct {
	Hidden *nn.Linear
	Drop   *nn.Dropout
	Out    *nn.Linear `nn:"head"` // a tag renames a field
}

func NewNet(rng *rand.Rand) *Net {
	return &Net{
		Hidden: nn.NewLinear(rng, 4, 8, nn.ReLU().WeightInit()),
		Drop:   nn.NewDropout(rng, 0.5),
		Out:    nn.NewLinear(rng, 8, 2, nil),
	}
}

func (n *Net) Forward(tp *autograd.Tape, x autograd.Var) autograd.Var {
	h := tp.ReLU(n.Hidden.Forward(tp, x))
	return n.Out.Forward(tp, n.Drop.Forward(tp, h))
}

func (n *Net) NamedParams() []nn.NamedParam { return nn.FieldParams(n) }

func ExampleFieldParams() {
	model := NewNet(rand.New(rand.NewPCG(1, 2)))
	for _, np := range model.NamedParams() {
		fmt.Println(np.Name, np.Var.Shape())
	}
	for _, ch := range nn.Children(model) {
		fmt.Println(ch.Name, ch.Module)
	}
	// Output:
	// hidden.weight [4 8]
	// hidden.bias [8]
	// head.weight [8 2]
	// head.bias [2]
	// hidden Linear(in=4, out=8, bias=true)
	// drop Dropout(p=0.5)
	// head Linear(in=8, out=2, bias=true)
}

func ExampleSummary() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential(NewNet(rng), nn.NewMLP(rng, []int{2, 3, 1}, nn.Tanh(), nil))
	fmt.Println(nn.Summary(model))
	// Output:
	// Sequential                                      params  shapes
	// ├─ layers.0     Net                                 58
	// │  ├─ hidden    Linear(in=4, out=8, bias=true)      40  weight [4 8], bias [8]
	// │  ├─ drop      Dropout(p=0.5)                       0
	// │  └─ head      Linear(in=8, out=2, bias=true)      18  weight [8 2], bias [2]
	// └─ layers.1     Sequential                          13
	//    ├─ layers.0  Linear(in=2, out=3, bias=true)       9  weight [2 3], bias [3]
	//    ├─ layers.1  Tanh                                 0
	//    └─ layers.2  Linear(in=3, out=1, bias=true)       4  weight [3 1], bias [1]
	// 71 parameters: 71 trainable, 0 frozen
}

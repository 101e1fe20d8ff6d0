package checkpoint_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// Save a model with its optimiser's state and load both into fresh ones.
func Example() {
	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	model := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{2, 3, 1}, nn.Tanh(), nil)
	opt := optim.NewAdam(nn.Params(model), optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err := checkpoint.Save(path, model, checkpoint.WithOptimizer(opt)); err != nil {
		fmt.Println(err)
		return
	}

	fresh := nn.NewMLP(rand.New(rand.NewPCG(7, 7)), []int{2, 3, 1}, nn.Tanh(), nil)
	freshOpt := optim.NewAdam(nn.Params(fresh), optim.AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err := checkpoint.Load(path, fresh, checkpoint.WithOptimizer(freshOpt)); err != nil {
		fmt.Println(err)
		return
	}
	x := autograd.Const(tensor.New([]float64{0.5, -1}, 1, 2))
	fmt.Println(model.Forward(nil, x).Item() == fresh.Forward(nil, x).Item())

	f, _ := checkpoint.ReadFile(path)
	fmt.Println(f.Names)
	fmt.Println(f.Metadata[checkpoint.MetaOptimizer])

	// A model of another shape is refused, naming the tensor and the shapes.
	other := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{2, 4, 1}, nn.Tanh(), nil)
	fmt.Println(checkpoint.Load(path, other) != nil)
	// Output:
	// true
	// [layers.0.bias layers.0.weight layers.2.bias layers.2.weight optim.0.exp_avg optim.0.exp_avg_sq optim.0.step optim.1.exp_avg optim.1.exp_avg_sq optim.1.step optim.2.exp_avg optim.2.exp_avg_sq optim.2.step optim.3.exp_avg optim.3.exp_avg_sq optim.3.step]
	// *optim.Adam
	// true
}

// Load a state dict saved by PyTorch (torch.nn.Sequential(Linear(4, 8),
// ReLU(), Linear(8, 3)) and safetensors.torch.save_file) into the same
// tapegrad model: Torch() maps "0.weight" to "layers.0.weight" and
// transposes PyTorch's (out, in) weights.
func ExampleTorch() {
	model := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 8, 3}, nn.ReLU(), nil)
	err := checkpoint.Load("testdata/torch/mlp_4_8_3_f64.safetensors", model, checkpoint.Torch())
	fmt.Println(err)
	fmt.Println(model.Layers[0].(*nn.Linear).W.Shape())

	// Without Torch() the names do not match, and the error says what to do.
	err = checkpoint.Load("testdata/torch/mlp_4_8_3_f64.safetensors", model)
	fmt.Println(err)
	// Output:
	// <nil>
	// [4 8]
	// testdata/torch/mlp_4_8_3_f64.safetensors: checkpoint: file does not match: the file lacks "layers.0.weight" (parameter layers.0.weight), "layers.0.bias" (parameter layers.0.bias), "layers.2.weight" (parameter layers.2.weight), "layers.2.bias" (parameter layers.2.bias); the file looks like a PyTorch state dict: load it with checkpoint.Torch()
}

// Load PyTorch's float32 state dict (its default type) into a float32
// model and save it back: each tensor keeps its type, and its bytes.
func Example_float32() {
	model := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 8, 3}, nn.ReLU(), nil)
	nn.To(model, tensor.Float32) // PyTorch's model.float()
	if err := checkpoint.Load("testdata/torch/mlp_4_8_3_f32.safetensors", model, checkpoint.Torch()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(model.Layers[0].(*nn.Linear).W.Value().DType())

	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	if err := checkpoint.Save(path, model, checkpoint.Torch()); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := checkpoint.ReadFile(path)
	fmt.Println(f.DTypes["0.weight"], f.Tensors["0.weight"].DType())

	// A float64 model loads the same file, widened exactly, and saves F64.
	wide := nn.NewMLP(rand.New(rand.NewPCG(1, 2)), []int{4, 8, 3}, nn.ReLU(), nil)
	fmt.Println(checkpoint.Load("testdata/torch/mlp_4_8_3_f32.safetensors", wide, checkpoint.Torch()))
	fmt.Println(checkpoint.StateDict(wide, checkpoint.Torch())["0.weight"].DType())
	// Output:
	// float32
	// F32 float32
	// <nil>
	// float64
}

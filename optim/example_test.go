package optim_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// Example fits y = 2x − 1 by linear regression: a weight and a bias trained
// with autograd and SGD with momentum on the mean squared error.
func Example() {
	x := tensor.New([]float64{-1, -0.5, 0, 0.5, 1, 1.5}, 6, 1)
	y := tensor.New([]float64{-3, -2, -1, 0, 1, 2}, 6, 1)
	w := autograd.NewNamedParam("w", tensor.Zeros(1, 1))
	b := autograd.NewNamedParam("b", tensor.Zeros(1))
	params := []autograd.Var{w, b}

	opt := optim.NewSGD(params, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	var losses []float64
	for range 200 {
		tp := autograd.NewTape()
		pred := tp.Add(tp.MatMul(tp.Const(x), w), b) // x·w + b
		l := tp.Mean(tp.Square(tp.Sub(pred, tp.Const(y))))
		opt.ZeroGrad()
		tp.Backward(l)
		opt.Step()
		losses = append(losses, l.Item())
	}
	fmt.Printf("loss %.4f → %.6f\n", losses[0], losses[len(losses)-1])
	fmt.Printf("w = %.4f, b = %.4f\n", w.Value().Item(), b.Value().Item())
	// Output:
	// loss 3.1667 → 0.000000
	// w = 2.0000, b = -1.0000
}

// Example_float32 is Example in float32: the parameters, the data and so
// the gradients are float32, and Adam keeps its moments in float32 too.
func Example_float32() {
	f32 := tensor.Float32
	x := tensor.New32([]float32{-1, -0.5, 0, 0.5, 1, 1.5}, 6, 1)
	y := tensor.New32([]float32{-3, -2, -1, 0, 1, 2}, 6, 1)
	w := autograd.NewNamedParam("w", f32.Zeros(1, 1))
	b := autograd.NewNamedParam("b", f32.Zeros(1))
	cfg := optim.AdamDefaults()
	cfg.LR = 0.05
	opt := optim.NewAdam([]autograd.Var{w, b}, cfg)
	for range 500 {
		tp := autograd.NewTape()
		pred := tp.Add(tp.MatMul(tp.Const(x), w), b)
		l := tp.Mean(tp.Square(tp.Sub(pred, tp.Const(y))))
		opt.ZeroGrad()
		tp.Backward(l)
		opt.Step()
	}
	fmt.Printf("w = %.3f, b = %.3f (%v)\n", w.Value().Item(), b.Value().Item(), w.Value().DType())
	fmt.Println("moment of w:", opt.StateTensors()["0.exp_avg"].DType())
	// Output:
	// w = 2.000, b = -1.000 (float32)
	// moment of w: float32
}

// ExampleNewCosineAnnealingLR shows the learning rate a schedule sets,
// epoch by epoch.
func ExampleNewCosineAnnealingLR() {
	p := autograd.NewParam(tensor.Zeros(1))
	cfg := optim.AdamDefaults()
	cfg.LR = 0.1
	opt := optim.NewAdam([]autograd.Var{p}, cfg)
	sched := optim.NewCosineAnnealingLR(opt, 4, 0.01)
	for epoch := range 5 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR())
		// … the epoch's opt.Step() calls …
		sched.Step()
	}
	// Output:
	// epoch 0: lr 0.1000
	// epoch 1: lr 0.0868
	// epoch 2: lr 0.0550
	// epoch 3: lr 0.0232
	// epoch 4: lr 0.0100
}

// ExampleClipGradNorm rescales two gradients of joint norm 5 to norm 1.
func ExampleClipGradNorm() {
	a := autograd.NewParam(tensor.Zeros(1))
	b := autograd.NewParam(tensor.Zeros(1))
	a.SetGrad(tensor.New([]float64{3}, 1))
	b.SetGrad(tensor.New([]float64{-4}, 1))
	total := optim.ClipGradNorm([]autograd.Var{a, b}, 1)
	fmt.Printf("norm %.1f → gradients %.4f %.4f\n", total, a.Grad().Item(), b.Grad().Item())
	// Output:
	// norm 5.0 → gradients 0.6000 -0.8000
}

// ExampleNewSequentialLR warms the rate up linearly for 3 epochs, then
// anneals it along a cosine for 4.
func ExampleNewSequentialLR() {
	p := autograd.NewParam(tensor.Zeros(1))
	opt := optim.NewSGD([]autograd.Var{p}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	warm := optim.NewLinearWarmup(opt, 0.25, 3)
	cos := optim.NewCosineAnnealingLR(opt, 4, 0)
	sched := optim.NewSequentialLR(opt, []optim.Schedule{warm, cos}, []int{3})
	for epoch := range 8 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR())
		// … the epoch's opt.Step() calls …
		sched.Step()
	}
	// Output:
	// epoch 0: lr 0.0250
	// epoch 1: lr 0.0500
	// epoch 2: lr 0.0750
	// epoch 3: lr 0.1000
	// epoch 4: lr 0.0854
	// epoch 5: lr 0.0500
	// epoch 6: lr 0.0146
	// epoch 7: lr 0.0000
}

// ExampleNewOneCycleLR shows the 1cycle policy over 10 optimiser steps: the
// rate rises to MaxLR and falls far below its start, while SGD's momentum
// moves the other way.
func ExampleNewOneCycleLR() {
	p := autograd.NewParam(tensor.Zeros(1))
	opt := optim.NewSGD([]autograd.Var{p}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	sched := optim.NewOneCycleLR(opt, optim.OneCycleDefaults(1, 10))
	for step := range 10 {
		fmt.Printf("step %d: lr %.4f momentum %.3f\n", step, opt.LR(), opt.Momentum())
		// … opt.Step() …
		sched.Step()
	}
	// Output:
	// step 0: lr 0.0400 momentum 0.950
	// step 1: lr 0.5200 momentum 0.900
	// step 2: lr 1.0000 momentum 0.850
	// step 3: lr 0.9505 momentum 0.855
	// step 4: lr 0.8117 momentum 0.869
	// step 5: lr 0.6113 momentum 0.889
	// step 6: lr 0.3887 momentum 0.911
	// step 7: lr 0.1883 momentum 0.931
	// step 8: lr 0.0495 momentum 0.945
	// step 9: lr 0.0000 momentum 0.950
}

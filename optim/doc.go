// Package optim updates parameters from their gradients: plain gradient
// descent, SGD with momentum, Adam, AdamW, NAdam, RAdam, RMSprop and
// Adagrad, learning-rate schedules (and their sequences and chains) and
// gradient clipping.
//
// # The interface
//
// Every optimiser is made over a list of parameters (autograd.NewParam) and
// meets
//
//	type Optimizer interface {
//		Step()     // one update from the current gradients; nil gradients are skipped
//		ZeroGrad() // zero every gradient, keeping the buffers
//	}
//
// and LRSetter (LR, SetLR), which the schedules drive. Step updates each
// parameter's value in place (p.Value().Data(), or Data32 for float32); a
// parameter whose Grad is nil is left alone, and its per-parameter state
// (moments, step count) does not advance, as in PyTorch.
//
// # The training loop
//
//	opt := optim.NewAdam(params, optim.AdamDefaults()) // γ = 1e-3, β = (0.9, 0.999), ε = 1e-8
//	sched := optim.NewCosineAnnealingLR(opt, epochs, 0)
//	for epoch := range epochs {
//		for _, batch := range batches {
//			tp := autograd.NewTape()
//			loss := model(tp, batch)
//			opt.ZeroGrad() // gradients add up across Backward calls
//			tp.Backward(loss)
//			optim.ClipGradNorm(params, 1) // optional
//			opt.Step()
//		}
//		sched.Step() // after the epoch's optimiser steps, as in PyTorch
//	}
//
// # The updates
//
// With w a parameter, g its gradient, γ (or η) the learning rate and λ the
// weight decay, per element and per step:
//
//	GD       w ← w − (η·α) ⊙ g                          α: a rate per element or per parameter
//	SGD      g ← g + λw;  b ← μb + (1−τ)g (b₁ = g₁);  g ← g + μb (Nesterov) or b;  w ← w − γg
//	Adam     g ← g + λw;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
//	         w ← w − (γ/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε)      (AMSGrad: v → max of all v)
//	AdamW    w ← w(1 − γλ), then Adam's update without λ in g
//	RMSprop  g ← g + λw;  v ← αv + (1−α)g²;  d = √v + ε (centered: √(v − ḡ²) + ε, ḡ ← αḡ + (1−α)g)
//	         w ← w − γg/d,  or with momentum b ← μb + g/d, w ← w − γb
//	Adagrad  g ← g + λw;  s ← s + g²;  w ← w − γ/(1 + (t−1)η)·g/(√s + ε)
//	NAdam    Adam's m, v;  μₜ = β₁(1 − ½·0.96^(tψ));  d = √(v/(1−β₂ᵗ)) + ε
//	         w ← w − γ(1−μₜ)/(1−Πμ)·g/d − γμₜ₊₁/(1−Π′)·m/d
//	RAdam    Adam's m, v;  ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ);  if ρₜ > 5: w ← w − γ·r·m̂·√(1−β₂ᵗ)/(√v + ε)
//	         else w ← w − γ·m̂
//
// Each type's doc comment gives its rule in full. The rules, defaults and
// even the order of the floating-point operations are those of PyTorch's
// torch.optim (the single-tensor, foreach=False code path, maximize=false);
// the tests compare 30-step trajectories of every optimiser with PyTorch's
// to a relative 1e-12 (testdata/make_trajectories.py makes the reference).
// The reference was made with PyTorch 1.13; PyTorch 2.x computes Adam's
// first moment with lerp instead of a multiply and an add, which changes the
// last bit only.
//
// # Float32 parameters
//
// Every optimiser updates float32 parameters (autograd.NewParam of a
// tensor.Float32 tensor) in float32, as PyTorch's float32 CPU code does:
//
//   - State has its parameter's type: a float32 parameter's moments,
//     momentum buffer or sum of squares are float32, half the memory of
//     float64 ones. Step counts and NAdam's Π stay float64 scalars.
//   - The per-element update runs in float32 arithmetic, in PyTorch's
//     order of operations. The scalars PyTorch computes in Python floats
//     (bias corrections 1 − βᵗ, step sizes γ/(1 − β₁ᵗ), NAdam's μₜ and
//     coefficients, RAdam's rectification, Adagrad's decayed rate, 1 − β)
//     are computed in float64 and rounded to float32 once, where PyTorch
//     hands them to a float32 tensor op; so are the hyper-parameters
//     (γ, β, ε, λ). The tests compare 30-step float32 trajectories with
//     PyTorch's float32 ones: 60 to 95% of the elements are bit-identical,
//     the rest within a few ulps (PyTorch's compiler fuses some
//     multiply-adds).
//   - A model may mix float32 and float64 parameters: each parameter is
//     updated by the kernel of its own type (every rule is written once,
//     generic over the two types), with its own state, exactly as an
//     optimiser over that parameter alone would update it. Float64
//     parameters are updated as they always were, bit for bit.
//   - A gradient must have its parameter's type (autograd ensures it). Make
//     the optimiser after converting a model (nn.To, autograd's SetValue):
//     a parameter whose type changed under an optimiser that keeps state
//     for it makes Step panic with tensor.ErrDType naming the optimiser and
//     the parameter. GD's per-element Rates must have their parameter's type.
//   - ClipGradNorm accumulates a float32 gradient's norm in float64 and
//     returns it as float64 (PyTorch sums in float32); ClipGradValue clamps
//     to ±clip rounded to float32.
//   - StateTensors returns a float32 parameter's buffers as float32
//     tensors; LoadStateTensors converts buffers of the other type to the
//     parameter's, as PyTorch's load_state_dict does.
//
// # Configuration
//
// Each optimiser takes a config struct, and every field means what it
// holds: a field set to 0 is 0 (Adam with Beta1 0 keeps no running mean,
// AdamW with WeightDecay 0 does not decay). PyTorch's keyword defaults,
// where they are not zero, come from one visible constructor per config:
//
//	AdamDefaults()     AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
//	AdamWDefaults()    AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}
//	NAdamDefaults()    NAdamConfig{LR: 2e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, MomentumDecay: 4e-3}
//	RAdamDefaults()    RAdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
//	RMSpropDefaults()  RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}
//	AdagradDefaults()  AdagradConfig{LR: 1e-2, Eps: 1e-10}
//	SGDDefaults()      SGDConfig{} (PyTorch 1.13's SGD has no default LR: set it)
//	OneCycleDefaults(maxLR, totalSteps), PlateauDefaults()  the two configured schedules
//
// so a changed setting reads
//
//	cfg := optim.AdamDefaults()
//	cfg.LR = 3e-3
//	opt := optim.NewAdam(params, cfg)
//
// GD's LR has no default either. An invalid setting (a negative rate, β
// outside [0, 1), a NaN, Nesterov without momentum, an empty or duplicated
// parameter list) is a programming error: the constructor panics with an
// error that wraps ErrConfig and names the constructor and the field.
// Per-parameter state is allocated when the optimiser is made, in slices
// aligned with the parameters, so Step allocates nothing.
//
// # Schedules and clipping
//
// StepLR, ExponentialLR, CosineAnnealingLR and LinearWarmup follow PyTorch's
// convention: a schedule is made after its optimiser, takes the optimiser's
// rate at that moment as its base rate η₀, sets the rate of epoch 0 at once,
// and its Step is called once per epoch, after that epoch's optimiser steps.
// Each computes the rate in closed form from η₀ and its epoch counter (At)
// and overwrites the optimiser's rate; the values agree with PyTorch's to
// rounding. Two schedules on one optimiser do not compose by themselves:
// SequentialLR runs them one after another, switching at milestones
// (PyTorch's SequentialLR), and ChainedScheduler multiplies their factors
// (PyTorch's ChainedScheduler, for multiplicative schedules).
//
// OneCycleLR (the 1cycle policy) is stepped after every optimiser step; it
// sets absolute rates from its MaxLR and, with CycleMomentum, cycles the
// momentum of any MomentumSetter (SGD's and RMSprop's momentum, the Adam
// family's β₁). ReduceLROnPlateau is stepped once per epoch with a metric
// and lowers the current rate when the metric stops improving.
//
// Every schedule but ReduceLROnPlateau meets Schedule and can be saved and
// resumed by its Epoch (nn/checkpoint's WithSchedule); ReduceLROnPlateau
// exposes State and Restore instead.
//
// ClipGradNorm and ClipGradValue rescale or clamp the gradients in place
// between Backward and Step, like PyTorch's clip_grad_norm_ and
// clip_grad_value_.
package optim

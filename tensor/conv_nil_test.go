package tensor

// The convolutions' nil-argument rows (see TestNilArgs).
func init() {
	d := Conv2dDefaults()
	x, w := Zeros(1, 1, 2, 2), Zeros(1, 1, 1, 1)
	moreNilArgRows["Conv2dDefaults"] = []badCall{{"none", func() { Conv2dDefaults() }, nil}}
	moreNilArgRows["Conv1dDefaults"] = []badCall{{"none", func() { Conv1dDefaults() }, nil}}
	moreNilArgRows["Conv1dConfig.Conv2d"] = []badCall{{"zero config", func() { Conv1dConfig{}.Conv2d() }, nil}}
	moreNilArgRows["ConvOutputSize"] = []badCall{
		{"zeros", func() { ConvOutputSize(0, 0, 0, 0, 0) }, ErrArg},
		{"negative", func() { ConvOutputSize(-1, -1, 1, -1, -1) }, nil},
	}
	moreNilArgRows["ConvTransposeOutputSize"] = []badCall{{"zeros", func() { ConvTransposeOutputSize(0, 0, 0, 0, 0, 0) }, nil}}
	moreNilArgRows["Conv2d"] = append(withBad(
		func(b *Tensor) { Conv2d(b, w, d) },
		func(b *Tensor) { Conv2d(x, b, d) }),
		badCall{"zero config", func() { Conv2d(x, w, Conv2dConfig{}) }, ErrArg},
		badCall{"empty batch", func() { Conv2d(Zeros(0, 1, 2, 2), w, d) }, nil},
		badCall{"0-d tensors", func() { Conv2d(Scalar(1), Scalar(1), d) }, ErrShape})
	moreNilArgRows["Conv2dTo"] = append(withBad(
		func(b *Tensor) { Conv2dTo(b, x, w, d) },
		func(b *Tensor) { Conv2dTo(Zeros(1, 1, 2, 2), b, w, d) },
		func(b *Tensor) { Conv2dTo(Zeros(1, 1, 2, 2), x, b, d) }),
		badCall{"zero config", func() { Conv2dTo(Zeros(1, 1, 2, 2), x, w, Conv2dConfig{}) }, ErrArg})
	moreNilArgRows["ConvTranspose2d"] = append(withBad(
		func(b *Tensor) { ConvTranspose2d(b, w, d) },
		func(b *Tensor) { ConvTranspose2d(x, b, d) }),
		badCall{"zero config", func() { ConvTranspose2d(x, w, Conv2dConfig{}) }, ErrArg},
		badCall{"zero channels", func() { ConvTranspose2d(Zeros(1, 0, 2, 2), Zeros(0, 1, 1, 1), d) }, nil})
	moreNilArgRows["ConvTranspose2dTo"] = append(withBad(
		func(b *Tensor) { ConvTranspose2dTo(b, x, w, d) },
		func(b *Tensor) { ConvTranspose2dTo(Zeros(1, 1, 2, 2), b, w, d) },
		func(b *Tensor) { ConvTranspose2dTo(Zeros(1, 1, 2, 2), x, b, d) }),
		badCall{"zero config", func() { ConvTranspose2dTo(Zeros(1, 1, 2, 2), x, w, Conv2dConfig{}) }, ErrArg})
	moreNilArgRows["Conv2dWeightGrad"] = append(withBad(
		func(b *Tensor) { Conv2dWeightGrad(b, x, [2]int{1, 1}, d) },
		func(b *Tensor) { Conv2dWeightGrad(x, b, [2]int{1, 1}, d) }),
		badCall{"zero kernel", func() { Conv2dWeightGrad(x, x, [2]int{}, d) }, ErrShape},
		badCall{"zero config", func() { Conv2dWeightGrad(x, x, [2]int{1, 1}, Conv2dConfig{}) }, ErrArg})
	moreNilArgRows["Conv2dWeightGradTo"] = append(withBad(
		func(b *Tensor) { Conv2dWeightGradTo(b, x, x, d) },
		func(b *Tensor) { Conv2dWeightGradTo(Zeros(1, 1, 1, 1), b, x, d) },
		func(b *Tensor) { Conv2dWeightGradTo(Zeros(1, 1, 1, 1), x, b, d) }),
		badCall{"zero config", func() { Conv2dWeightGradTo(Zeros(1, 1, 1, 1), x, x, Conv2dConfig{}) }, ErrArg})
}

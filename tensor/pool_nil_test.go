package tensor

// The nil-argument rows of pool.go's entry points (see TestNilArgs).
func init() {
	mc, ac := MaxPool2dDefaults(1, 1), AvgPool2dDefaults(1, 1)
	p4 := func() *Tensor { return Ones(1, 1, 2, 2) }
	idx := func() []int { return []int{0, 1, 2, 3} }
	moreNilArgRows["MaxPool2d"] = append(withBad(func(b *Tensor) { MaxPool2d(b, mc) }),
		fails("zero config", ErrShape, func() { MaxPool2d(p4(), MaxPool2dConfig{}) }),
		fails("empty shape", ErrShape, func() { MaxPool2d(Zeros(), mc) }))
	moreNilArgRows["MaxPool2dTo"] = append(withBad(
		func(b *Tensor) { MaxPool2dTo(b, nil, p4(), mc) },
		func(b *Tensor) { MaxPool2dTo(p4(), nil, b, mc) }),
		ok("nil idx", func() { MaxPool2dTo(p4(), nil, p4(), mc) }))
	moreNilArgRows["MaxPool2dBackward"] = append(withBad(func(b *Tensor) { MaxPool2dBackward(b, idx(), 2, 2) }),
		fails("nil idx", ErrShape, func() { MaxPool2dBackward(p4(), nil, 2, 2) }),
		fails("negative size", ErrShape, func() { MaxPool2dBackward(p4(), idx(), -1, 2) }))
	moreNilArgRows["MaxPool2dBackwardTo"] = append(withBad(
		func(b *Tensor) { MaxPool2dBackwardTo(b, p4(), idx()) },
		func(b *Tensor) { MaxPool2dBackwardTo(p4(), b, idx()) }),
		fails("nil idx", ErrShape, func() { MaxPool2dBackwardTo(p4(), p4(), nil) }))
	moreNilArgRows["MaxPool2dGather"] = append(withBad(func(b *Tensor) { MaxPool2dGather(b, idx(), 2, 2) }),
		fails("nil idx", ErrShape, func() { MaxPool2dGather(p4(), nil, 2, 2) }),
		fails("negative size", ErrShape, func() { MaxPool2dGather(p4(), idx(), 2, -2) }))
	moreNilArgRows["MaxPool2dGatherTo"] = append(withBad(
		func(b *Tensor) { MaxPool2dGatherTo(b, p4(), idx()) },
		func(b *Tensor) { MaxPool2dGatherTo(p4(), b, idx()) }),
		fails("nil idx", ErrShape, func() { MaxPool2dGatherTo(p4(), p4(), nil) }))
	moreNilArgRows["MaxPool2dDefaults"] = []badCall{
		ok("zero kernel", func() { MaxPool2dDefaults(0, 0) }),
		ok("negative kernel", func() { MaxPool2dDefaults(-1, 2) }),
	}
	moreNilArgRows["MaxPool2dConfig.OutSize"] = []badCall{
		fails("zero config", ErrShape, func() { MaxPool2dConfig{}.OutSize(2, 2) }),
		fails("zero size", ErrShape, func() { mc.OutSize(0, 0) }),
		fails("negative size", ErrShape, func() { mc.OutSize(-3, 2) }),
	}
	moreNilArgRows["AvgPool2d"] = append(withBad(func(b *Tensor) { AvgPool2d(b, ac) }),
		fails("zero config", ErrShape, func() { AvgPool2d(p4(), AvgPool2dConfig{}) }))
	moreNilArgRows["AvgPool2dTo"] = withBad(
		func(b *Tensor) { AvgPool2dTo(b, p4(), ac) },
		func(b *Tensor) { AvgPool2dTo(p4(), b, ac) })
	moreNilArgRows["AvgPool2dBackward"] = append(withBad(func(b *Tensor) { AvgPool2dBackward(b, 2, 2, ac) }),
		fails("negative size", ErrShape, func() { AvgPool2dBackward(p4(), -2, 2, ac) }),
		fails("zero config", ErrShape, func() { AvgPool2dBackward(p4(), 2, 2, AvgPool2dConfig{}) }))
	moreNilArgRows["AvgPool2dBackwardTo"] = withBad(
		func(b *Tensor) { AvgPool2dBackwardTo(b, p4(), ac) },
		func(b *Tensor) { AvgPool2dBackwardTo(p4(), b, ac) })
	moreNilArgRows["AvgPool2dDefaults"] = []badCall{ok("zero kernel", func() { AvgPool2dDefaults(0, 0) })}
	moreNilArgRows["AvgPool2dConfig.OutSize"] = []badCall{
		fails("zero config", ErrShape, func() { AvgPool2dConfig{}.OutSize(2, 2) }),
		fails("negative size", ErrShape, func() { ac.OutSize(-1, 2) }),
	}
	moreNilArgRows["AdaptiveAvgPool2d"] = append(withBad(func(b *Tensor) { AdaptiveAvgPool2d(b, 1, 1) }),
		fails("negative size", ErrShape, func() { AdaptiveAvgPool2d(p4(), -1, 1) }),
		ok("zero size", func() { AdaptiveAvgPool2d(p4(), 0, 0) }))
	moreNilArgRows["AdaptiveAvgPool2dTo"] = withBad(
		func(b *Tensor) { AdaptiveAvgPool2dTo(b, p4()) },
		func(b *Tensor) { AdaptiveAvgPool2dTo(p4(), b) })
	moreNilArgRows["AdaptiveAvgPool2dBackward"] = append(withBad(func(b *Tensor) { AdaptiveAvgPool2dBackward(b, 2, 2) }),
		fails("negative size", ErrShape, func() { AdaptiveAvgPool2dBackward(p4(), 2, -2) }))
	moreNilArgRows["AdaptiveAvgPool2dBackwardTo"] = withBad(
		func(b *Tensor) { AdaptiveAvgPool2dBackwardTo(b, p4()) },
		func(b *Tensor) { AdaptiveAvgPool2dBackwardTo(p4(), b) })
}

package tensor

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// badCall is one call of an entry point with bad arguments, with
// tapegradtest.Call's fields (so rows may be unkeyed literals).
type badCall struct {
	Args string // the bad arguments, for the failure message
	F    func()
	Want error // the sentinel the panic must wrap; nil: F must return normally
}

// withBad returns, for each function f that puts its argument into one
// *Tensor position of a call, the calls with a nil and with a zero-value
// tensor there; each must panic with ErrArg.
func withBad(fs ...func(b *Tensor)) []badCall {
	var out []badCall
	for i, f := range fs {
		out = append(out,
			badCall{fmt.Sprintf("nil tensor as argument %d", i+1), func() { f(nil) }, ErrArg},
			badCall{fmt.Sprintf("zero-value tensor as argument %d", i+1), func() { f(&Tensor{}) }, ErrArg})
	}
	return out
}

// ok is a call that must return normally.
func ok(args string, f func()) badCall { return badCall{args, f, nil} }

// fails is a call that must panic with an error wrapping want.
func fails(args string, want error, f func()) badCall { return badCall{args, f, want} }

// vx returns a fresh valid operand of shape (2, 3) for the argument
// positions that are not under test.
func vx() *Tensor { return Ones(2, 3) }

// The shapes of the row helpers below: each tries every *Tensor argument of
// a function of that signature.
func unaryRow(f func(x *Tensor) *Tensor) []badCall { return withBad(func(b *Tensor) { f(b) }) }

func unaryToRow(f func(dst, x *Tensor) *Tensor) []badCall {
	return withBad(func(b *Tensor) { f(b, vx()) }, func(b *Tensor) { f(vx(), b) })
}

func binaryRow(f func(a, b *Tensor) *Tensor) []badCall {
	return withBad(func(b *Tensor) { f(b, vx()) }, func(b *Tensor) { f(vx(), b) })
}

func binaryToRow(f func(dst, a, b *Tensor) *Tensor) []badCall {
	return withBad(func(b *Tensor) { f(b, vx(), vx()) }, func(b *Tensor) { f(vx(), b, vx()) },
		func(b *Tensor) { f(vx(), vx(), b) })
}

func reduceRow(f func(x *Tensor, axes ...int) *Tensor) []badCall {
	return append(withBad(func(b *Tensor) { f(b) }, func(b *Tensor) { f(b, 0) }),
		ok("no axes", func() { f(vx()) }),
		fails("axis 2 of a matrix", ErrShape, func() { f(vx(), 2) }))
}

func reduceToRow(f func(dst, x *Tensor, axes ...int) *Tensor) []badCall {
	return append(withBad(func(b *Tensor) { f(b, vx()) }, func(b *Tensor) { f(Scalar(0), b) }),
		fails("dst of the wrong shape", ErrShape, func() { f(Zeros(5), vx()) }))
}

func axisRow(f func(x *Tensor, axis int) *Tensor) []badCall {
	return append(withBad(func(b *Tensor) { f(b, 0) }),
		fails("axis out of range", ErrShape, func() { f(vx(), 5) }))
}

func axisToRow(f func(dst, x *Tensor, axis int) *Tensor) []badCall {
	return withBad(func(b *Tensor) { f(b, vx(), 1) }, func(b *Tensor) { f(vx(), b, 1) })
}

func statsRow(f func(x *Tensor, c Correction, axes ...int) *Tensor) []badCall {
	return append(withBad(func(b *Tensor) { f(b, Biased) }), ok("no axes", func() { f(vx(), Unbiased) }))
}

func statsToRow(f func(dst, x *Tensor, c Correction, axes ...int) *Tensor) []badCall {
	return withBad(func(b *Tensor) { f(b, vx(), Biased) }, func(b *Tensor) { f(Scalar(0), b, Biased) })
}

// accessorRow is the row of Shape, Data, Rank and Len, which refuse nil but
// read a zero-value Tensor as it is (no shape, no data).
func accessorRow[T any](f func(*Tensor) T) []badCall {
	return []badCall{fails("nil tensor", ErrArg, func() { f(nil) }), ok("zero-value tensor", func() { f(&Tensor{}) })}
}

// nilArgRows holds, for every exported function and method of the package
// (by tapegradtest.ExportedAPI's name), calls with nil and zero-value
// tensors, nil functions and generators, empty shapes and negative sizes.
func nilArgRows() map[string][]badCall {
	rng := tapegradtest.NewRNG()
	return map[string][]badCall{
		"Abs":         unaryRow(Abs),
		"Add":         binaryRow(Add),
		"AddScalar":   withBad(func(b *Tensor) { AddScalar(b, 1) }),
		"AddScalarTo": withBad(func(b *Tensor) { AddScalarTo(b, vx(), 1) }, func(b *Tensor) { AddScalarTo(vx(), b, 1) }),
		"AddScaledTo": withBad(func(b *Tensor) { AddScaledTo(b, 1, vx()) }, func(b *Tensor) { AddScaledTo(vx(), 1, b) }),
		"AddTo":       binaryToRow(AddTo),
		"AllClose":    withBad(func(b *Tensor) { AllClose(b, vx(), 0, 0) }, func(b *Tensor) { AllClose(vx(), b, 0, 0) }),
		"Arange": {
			ok("empty range", func() { Arange(1, 0, 1) }),
			fails("step 0", ErrShape, func() { Arange(0, 1, 0) }),
			fails("stop NaN", ErrShape, func() { Arange(0, math.NaN(), 1) }),
		},
		"ArgMax":  axisRow(ArgMax),
		"Asinh":   unaryRow(Asinh),
		"AsinhTo": unaryToRow(AsinhTo),
		"Atan":    unaryRow(Atan),
		"AtanTo":  unaryToRow(AtanTo),
		"BroadcastShapes": {
			ok("nil shapes", func() { BroadcastShapes(nil, nil) }),
			ok("negative dimension", func() {
				if _, ok := BroadcastShapes([]int{-1}, []int{1}); ok {
					panic(errors.New("BroadcastShapes([-1], [1]) is ok"))
				}
			}),
		},
		"BroadcastTo": append(withBad(func(b *Tensor) { BroadcastTo(b, 2, 3) }),
			fails("negative shape", ErrShape, func() { BroadcastTo(vx(), -2, 3) })),
		"CanBroadcastTo":  {ok("nil shapes", func() { CanBroadcastTo(nil, nil) })},
		"CausalSoftmax":   append(unaryRow(CausalSoftmax), fails("rank 1", ErrShape, func() { CausalSoftmax(Zeros(3)) })),
		"CausalSoftmaxTo": unaryToRow(CausalSoftmaxTo),
		"Clamp":           withBad(func(b *Tensor) { Clamp(b, 0, 1) }),
		"ClampTo":         withBad(func(b *Tensor) { ClampTo(b, vx(), 0, 1) }, func(b *Tensor) { ClampTo(vx(), b, 0, 1) }),
		"Concat": append(withBad(func(b *Tensor) { Concat(0, b) }, func(b *Tensor) { Concat(0, vx(), b) }),
			fails("no tensors", ErrShape, func() { Concat(0) })),
		"ConvertTo": append(withBad(func(b *Tensor) { ConvertTo(b, vx()) }, func(b *Tensor) { ConvertTo(vx(), b) }),
			fails("shapes differ", ErrShape, func() { ConvertTo(Float32.Zeros(3), vx()) })),
		"Cos":      unaryRow(Cos),
		"CosTo":    unaryToRow(CosTo),
		"CumSum":   axisRow(CumSum),
		"CumSumTo": axisToRow(CumSumTo),
		"DType.Full": {ok("0-d", func() { Float32.Full(1) }), fails("negative size", ErrShape, func() { Float32.Full(1, -1) }),
			fails("unknown type", ErrArg, func() { DType(9).Full(1, 2) })},
		"DType.OneHot": {
			ok("no labels", func() { Float32.OneHot(nil, 0) }),
			fails("negative class count", ErrShape, func() { Float32.OneHot(nil, -1) }),
			fails("unknown type", ErrArg, func() { DType(9).OneHot(nil, 0) }),
		},
		"DType.Ones": {ok("0-d", func() { Float32.Ones() }), fails("negative size", ErrShape, func() { Float32.Ones(-1) }),
			fails("unknown type", ErrArg, func() { DType(9).Ones() })},
		"DType.Scalar": {ok("NaN", func() { Float32.Scalar(math.NaN()) }), fails("unknown type", ErrArg, func() { DType(9).Scalar(0) })},
		"DType.Size":   {ok("unknown type", func() { DType(9).Size() })},
		"DType.String": {ok("unknown type", func() { _ = DType(9).String() })},
		"DType.Zeros": {ok("0-d", func() { Float32.Zeros() }), fails("negative size", ErrShape, func() { Float32.Zeros(2, -1) }),
			fails("unknown type", ErrArg, func() { DType(9).Zeros(2) })},
		"Div":          binaryRow(Div),
		"DivTo":        binaryToRow(DivTo),
		"Equal":        binaryRow(Equal),
		"EqualTo":      binaryToRow(EqualTo),
		"Erf":          unaryRow(Erf),
		"ErfTo":        unaryToRow(ErfTo),
		"Erfc":         unaryRow(Erfc),
		"ErfcTo":       unaryToRow(ErfcTo),
		"Exp":          unaryRow(Exp),
		"ExpandTo":     unaryToRow(ExpandTo),
		"Expm1":        unaryRow(Expm1),
		"Expm1To":      unaryToRow(Expm1To),
		"Flatten":      unaryRow(Flatten),
		"Flip":         reduceRow(Flip),
		"FlipTo":       withBad(func(b *Tensor) { FlipTo(b, vx()) }, func(b *Tensor) { FlipTo(vx(), b) }),
		"Full":         {ok("0-d", func() { Full(1) }), fails("negative size", ErrShape, func() { Full(1, -1) })},
		"GELU":         unaryRow(GELU),
		"GELUTanh":     unaryRow(GELUTanh),
		"GELUTanhTo":   unaryToRow(GELUTanhTo),
		"GELUTo":       unaryToRow(GELUTo),
		"Gather":       append(withBad(func(b *Tensor) { Gather(b, 0, nil) }), fails("no indices", ErrShape, func() { Gather(vx(), 1, nil) })),
		"GatherTo":     withBad(func(b *Tensor) { GatherTo(b, vx(), 1, []int{0, 0}) }, func(b *Tensor) { GatherTo(Zeros(2), b, 1, []int{0, 0}) }),
		"GemmTo":       gemmRows(),
		"Greater":      binaryRow(Greater),
		"GreaterEqual": binaryRow(GreaterEqual),
		"GreaterTo":    binaryToRow(GreaterTo),
		"Hypot":        binaryRow(Hypot),
		"HypotTo":      binaryToRow(HypotTo),
		"IndexAdd": append(withBad(func(b *Tensor) { IndexAdd(b, 0, nil, 1) }),
			ok("no indices", func() { IndexAdd(Zeros(0, 3), 0, nil, 2) }),
			fails("negative size", ErrShape, func() { IndexAdd(vx(), 0, []int{0, 0}, -1) })),
		"IndexSelect": append(withBad(func(b *Tensor) { IndexSelect(b, 0, nil) }),
			ok("no indices", func() { IndexSelect(vx(), 0, nil) })),
		"LeakyReLU":   withBad(func(b *Tensor) { LeakyReLU(b, 0.1) }),
		"LeakyReLUTo": withBad(func(b *Tensor) { LeakyReLUTo(b, vx(), 0.1) }, func(b *Tensor) { LeakyReLUTo(vx(), b, 0.1) }),
		"Less":        binaryRow(Less),
		"LessEqual":   binaryRow(LessEqual),
		"Linspace": {
			ok("no points", func() { Linspace(0, 1, 0) }),
			fails("negative count", ErrShape, func() { Linspace(0, 1, -1) }),
		},
		"Log":               unaryRow(Log),
		"Log1p":             unaryRow(Log1p),
		"Log1pTo":           unaryToRow(Log1pTo),
		"LogCumSumExp":      axisRow(LogCumSumExp),
		"LogCumSumExpTo":    axisToRow(LogCumSumExpTo),
		"LogSoftmax":        axisRow(LogSoftmax),
		"LogSoftmaxTo":      axisToRow(LogSoftmaxTo),
		"LogSumExp":         reduceRow(LogSumExp),
		"LogSumExpAxesTo":   reduceToRow(LogSumExpAxesTo),
		"LogSumExpKeepDims": reduceRow(LogSumExpKeepDims),
		"Map": append(withBad(func(b *Tensor) { Map(b, math.Exp) }),
			fails("nil function", ErrArg, func() { Map(vx(), nil) }),
			fails("nil tensor and nil function", ErrArg, func() { Map(nil, nil) })),
		"MapTo": append(withBad(func(b *Tensor) { MapTo(b, vx(), math.Exp) }, func(b *Tensor) { MapTo(vx(), b, math.Exp) }),
			fails("nil function", ErrArg, func() { MapTo(vx(), vx(), nil) })),
		"MatMul": append(binaryRow(MatMul), fails("0-d operand", ErrShape, func() { MatMul(Scalar(1), vx()) })),
		"MatMulT": withBad(func(b *Tensor) { MatMulT(b, vx(), NoTrans, Trans) },
			func(b *Tensor) { MatMulT(vx(), b, NoTrans, Trans) }),
		"Max":          reduceRow(Max),
		"MaxAbsDiff":   withBad(func(b *Tensor) { MaxAbsDiff(b, vx()) }, func(b *Tensor) { MaxAbsDiff(vx(), b) }),
		"MaxAxesTo":    reduceToRow(MaxAxesTo),
		"MaxKeepDims":  reduceRow(MaxKeepDims),
		"Maximum":      binaryRow(Maximum),
		"MaximumTo":    binaryToRow(MaximumTo),
		"Mean":         reduceRow(Mean),
		"MeanKeepDims": reduceRow(MeanKeepDims),
		"Min":          reduceRow(Min),
		"MinAxesTo":    reduceToRow(MinAxesTo),
		"MinKeepDims":  reduceRow(MinKeepDims),
		"Minimum":      binaryRow(Minimum),
		"MinimumTo":    binaryToRow(MinimumTo),
		"Mul":          binaryRow(Mul),
		"MulTo":        binaryToRow(MulTo),
		"Neg":          unaryRow(Neg),
		"New": {
			fails("nil data", ErrShape, func() { New(nil) }),
			ok("nil data, shape [0]", func() { New(nil, 0) }),
			ok("empty data", func() { New([]float64{}) }),
			fails("negative size", ErrShape, func() { New(nil, -1) }),
		},
		"New32": {
			fails("nil data", ErrShape, func() { New32(nil) }),
			ok("nil data, shape [0]", func() { New32(nil, 0) }),
			ok("empty data", func() { New32([]float32{}) }),
			fails("negative size", ErrShape, func() { New32(nil, -1) }),
		},
		"Norm":         reduceRow(Norm),
		"NormKeepDims": reduceRow(NormKeepDims),
		"NormTo":       reduceToRow(NormTo),
		"NotEqual":     binaryRow(NotEqual),
		"OneHot": {
			ok("no labels", func() { OneHot(nil, 0) }),
			fails("negative class count", ErrShape, func() { OneHot(nil, -1) }),
		},
		"Ones":     {ok("0-d", func() { Ones() }), fails("negative size", ErrShape, func() { Ones(-1) })},
		"OnesLike": unaryRow(OnesLike),
		"Pad": append(withBad(func(b *Tensor) { Pad(b, 0, 1, 1) }),
			fails("negative padding", ErrShape, func() { Pad(vx(), 0, -1, 0) })),
		"Pow":         binaryRow(Pow),
		"PowScalar":   withBad(func(b *Tensor) { PowScalar(b, 2) }),
		"PowScalarTo": withBad(func(b *Tensor) { PowScalarTo(b, vx(), 2) }, func(b *Tensor) { PowScalarTo(vx(), b, 2) }),
		"PowTo":       binaryToRow(PowTo),
		"RandN": {
			fails("nil rng", ErrArg, func() { RandN(nil, 2) }),
			fails("nil rng, 0-d", ErrArg, func() { RandN(nil) }),
			fails("negative size", ErrShape, func() { RandN(rng, -1) }),
		},
		"RandU": {
			fails("nil rng", ErrArg, func() { RandU(nil, 0, 1, 2) }),
			fails("negative size", ErrShape, func() { RandU(rng, 0, 1, -1) }),
		},
		"ReLU": unaryRow(ReLU),
		"ReLUBackwardTo": withBad(func(b *Tensor) { ReLUBackwardTo(b, vx(), vx()) },
			func(b *Tensor) { ReLUBackwardTo(vx(), b, vx()) }, func(b *Tensor) { ReLUBackwardTo(vx(), vx(), b) }),
		"ReLUTo":      unaryToRow(ReLUTo),
		"ReduceSumTo": unaryToRow(ReduceSumTo),
		"Reshape": append(withBad(func(b *Tensor) { Reshape(b, -1) }),
			fails("negative size", ErrShape, func() { Reshape(vx(), -2, -3) }),
			fails("0-d target of 6 elements", ErrShape, func() { Reshape(vx()) })),
		"SameShape": withBad(func(b *Tensor) { SameShape(b, vx()) }, func(b *Tensor) { SameShape(vx(), b) }),
		"Scalar":    {ok("NaN", func() { Scalar(math.NaN()) })},
		"Scale":     withBad(func(b *Tensor) { Scale(b, 2) }),
		"ScaleTo":   withBad(func(b *Tensor) { ScaleTo(b, vx(), 2) }, func(b *Tensor) { ScaleTo(vx(), b, 2) }),
		"Scatter": append(withBad(func(b *Tensor) { Scatter(b, 0, nil, 1) }),
			fails("negative size", ErrShape, func() { Scatter(Ones(2), 0, []int{0, 0}, -1) })),
		"ScatterTo": withBad(func(b *Tensor) { ScatterTo(b, Ones(2), 1, []int{0, 0}) },
			func(b *Tensor) { ScatterTo(vx(), b, 1, []int{0, 0}) }),
		"SiLU":       unaryRow(SiLU),
		"SiLUTo":     unaryToRow(SiLUTo),
		"Sigmoid":    unaryRow(Sigmoid),
		"Sign":       unaryRow(Sign),
		"Sin":        unaryRow(Sin),
		"SinTo":      unaryToRow(SinTo),
		"Slice":      append(withBad(func(b *Tensor) { Slice(b, 0, 0, 0) }), fails("negative start", ErrShape, func() { Slice(vx(), 0, -1, 1) })),
		"Softmax":    axisRow(Softmax),
		"SoftmaxTo":  axisToRow(SoftmaxTo),
		"Softplus":   unaryRow(Softplus),
		"Softsign":   unaryRow(Softsign),
		"SoftsignTo": unaryToRow(SoftsignTo),
		"Sqrt":       unaryRow(Sqrt),
		"Square":     unaryRow(Square),
		"Squeeze":    withBad(func(b *Tensor) { Squeeze(b) }),
		"Stack": append(withBad(func(b *Tensor) { Stack(0, b) }, func(b *Tensor) { Stack(0, vx(), b) }),
			fails("no tensors", ErrShape, func() { Stack(0) })),
		"Std":         statsRow(Std),
		"StdKeepDims": statsRow(StdKeepDims),
		"StdTo":       statsToRow(StdTo),
		"Step":        unaryRow(Step),
		"Sub":         binaryRow(Sub),
		"SubTo":       binaryToRow(SubTo),
		"Sum":         reduceRow(Sum),
		"SumAxesTo":   reduceToRow(SumAxesTo),
		"SumKeepDims": reduceRow(SumKeepDims),
		"SumTo":       append(withBad(func(b *Tensor) { SumTo(b) }), fails("negative size", ErrShape, func() { SumTo(vx(), -1) })),
		"T":           unaryRow(T),
		"Tan":         unaryRow(Tan),
		"TanTo":       unaryToRow(TanTo),
		"Tanh":        unaryRow(Tanh),
		"Tensor.At":   append(withBad(func(b *Tensor) { b.At() }), fails("no indices", ErrIndex, func() { vx().At() })),
		"Tensor.Copy": withBad(func(b *Tensor) { b.Copy() }),
		"Tensor.CopyFrom": withBad(func(b *Tensor) { b.CopyFrom(vx()) },
			func(b *Tensor) { vx().CopyFrom(b) }),
		"Tensor.Data":  accessorRow((*Tensor).Data),
		"Tensor.DType": accessorRow((*Tensor).DType),
		"Tensor.Data32": append(withBad(func(b *Tensor) { b.Data32() }),
			fails("float64 tensor", ErrDType, func() { vx().Data32() })),
		"Tensor.Dim":      append(withBad(func(b *Tensor) { b.Dim(0) }), fails("axis out of range", ErrShape, func() { vx().Dim(-3) })),
		"Tensor.Float64s": withBad(func(b *Tensor) { b.Float64s() }),
		"Tensor.Item":     append(withBad(func(b *Tensor) { b.Item() }), fails("6 elements", ErrShape, func() { vx().Item() })),
		"Tensor.Len":      accessorRow((*Tensor).Len),
		"Tensor.Rank":     accessorRow((*Tensor).Rank),
		"Tensor.Set":      append(withBad(func(b *Tensor) { b.Set(1) }), fails("no indices", ErrIndex, func() { vx().Set(1) })),
		"Tensor.Shape":    accessorRow((*Tensor).Shape),
		"Tensor.To": append(withBad(func(b *Tensor) { b.To(Float32) }),
			fails("unknown type", ErrArg, func() { vx().To(DType(9)) })),
		"Tensor.String": {
			ok("nil", func() { _ = (*Tensor)(nil).String() }),
			ok("zero value", func() { _ = (&Tensor{}).String() }),
		},
		"Transpose":            append(withBad(func(b *Tensor) { Transpose(b) }), fails("repeated axis", ErrShape, func() { Transpose(vx(), 0, 0) })),
		"Transposition.String": {ok("out of range", func() { _ = Transposition(7).String() })},
		"Unsqueeze":            withBad(func(b *Tensor) { Unsqueeze(b, 0) }),
		"Variance":             statsRow(Variance),
		"VarianceKeepDims":     statsRow(VarianceKeepDims),
		"VarianceTo":           statsToRow(VarianceTo),
		"Where": withBad(func(b *Tensor) { Where(b, vx(), vx()) }, func(b *Tensor) { Where(vx(), b, vx()) },
			func(b *Tensor) { Where(vx(), vx(), b) }),
		"WhereTo": withBad(func(b *Tensor) { WhereTo(b, vx(), vx(), vx()) }, func(b *Tensor) { WhereTo(vx(), b, vx(), vx()) },
			func(b *Tensor) { WhereTo(vx(), vx(), b, vx()) }, func(b *Tensor) { WhereTo(vx(), vx(), vx(), b) }),
		"Zeros":     {ok("0-d", func() { Zeros() }), fails("negative size", ErrShape, func() { Zeros(2, -1) })},
		"ZerosLike": unaryRow(ZerosLike),
	}
}

// gemmRows tries GemmTo with a bad tensor in each of its three positions.
func gemmRows() []badCall {
	sq := func() *Tensor { return Ones(2, 2) }
	return withBad(func(b *Tensor) { GemmTo(b, 1, sq(), NoTrans, sq(), NoTrans, 0) },
		func(b *Tensor) { GemmTo(sq(), 1, b, NoTrans, sq(), NoTrans, 0) },
		func(b *Tensor) { GemmTo(sq(), 1, sq(), NoTrans, b, NoTrans, 0) })
}

// moreNilArgRows holds the rows of entry points defined in files of their
// own (conv.go, pool.go, …), added by those files' tests from init, so that
// each concept keeps its rows beside its tests.
var moreNilArgRows = map[string][]badCall{}

// TestNilArgs calls every exported function and method with nil and
// zero-value tensors, nil functions and generators, empty shapes and
// negative sizes: none may crash with a runtime error, and each must panic
// with its documented sentinel (ErrArg for a nil or zero-value argument) or
// return. An entry point without a row fails the test.
func TestNilArgs(t *testing.T) {
	rows := nilArgRows()
	for name, calls := range moreNilArgRows {
		rows[name] = append(rows[name], calls...)
	}
	tapegradtest.CheckCalls(t, rows, func(t *testing.T, err error) {
		var se *ShapeError
		if !errors.As(err, &se) {
			t.Errorf("got %T, want a *ShapeError", err)
		}
	})
}

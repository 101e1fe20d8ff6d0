package shapes

import (
	"testing"

	"github.com/tapegrad/tapegrad/internal/tapegradtest"
)

// otherBuf is a buffer type that was never registered with RegisterReuse.
type otherBuf struct{}

// TestNilArgs calls every exported function and method with nil shapes,
// nil buffers and functions, negative sizes and bad permutations: none may
// crash with a runtime error, and each must panic with its documented
// sentinel or return. An entry point without a row fails the test.
func TestNilArgs(t *testing.T) {
	type call struct { // tapegradtest.Call's fields, so rows may be unkeyed
		Args string
		F    func()
		Want error // the sentinel the panic must wrap; nil: F must return
	}
	rows := map[string][]call{
		"ArgPanic":            {{"nil shapes", func() { ArgPanic("op", "msg") }, ErrArg}},
		"DTypePanic":          {{"nil shapes", func() { DTypePanic("op", "msg") }, ErrDType}},
		"ArgSentinel":         {{"empty message", func() { _ = ArgSentinel("").Error() }, nil}},
		"BroadcastShapesInto": {{"nil shapes", func() { BroadcastShapesInto(nil, nil, nil) }, nil}},
		"CallerSite":          {{"none", func() { CallerSite() }, nil}},
		"CheckDim":            {{"negative", func() { CheckDim("op", "size", -1, nil) }, ErrShape}},
		"Error.Error":         {{"nil *Error", func() { _ = (*Error)(nil).Error() }, nil}, {"zero Error", func() { _ = (&Error{}).Error() }, nil}},
		"Error.Unwrap":        {{"nil *Error", func() { _ = (*Error)(nil).Unwrap() }, nil}},
		"IndexPanic":          {{"nil shapes", func() { IndexPanic("op", "msg") }, ErrIndex}},
		"InversePerm": {
			{"nil", func() { InversePerm(nil) }, nil},
			{"out of range", func() { InversePerm([]int{3}) }, ErrShape},
		},
		"MarkAxes": {
			{"nil shape", func() { MarkAxes(nil, "op", nil, nil) }, nil},
			{"axis of a 0-d shape", func() { MarkAxes(nil, "op", nil, []int{1}) }, ErrShape},
		},
		"MatMulShape":        {{"nil shapes", func() { MatMulShape(nil, nil, false, false) }, ErrShape}},
		"MatMulShapeInto":    {{"nil shapes", func() { MatMulShapeInto(nil, nil, nil, true, true) }, ErrShape}},
		"MatMulVectorShapes": {{"nil shapes", func() { MatMulVectorShapes(nil, nil) }, ErrShape}},
		"NormAxis": {
			{"rank 0", func() { NormAxis("op", 0, 0, nil) }, ErrShape},
			{"negative rank", func() { NormAxis("op", -1, -1, nil) }, ErrShape},
		},
		"NormAxisScalar": {{"nil shape", func() { NormAxisScalar("op", 0, nil) }, nil}},
		"Numel": {
			{"nil shape", func() { Numel("op", nil) }, nil},
			{"negative", func() { Numel("op", []int{-1}) }, ErrShape},
		},
		"Panic":           {{"nil shapes", func() { Panic("op", "msg", nil, nil) }, ErrShape}},
		"PermShape":       {{"nil shape", func() { PermShape(nil, nil) }, nil}, {"bad axis", func() { PermShape(nil, []int{0}) }, ErrShape}},
		"ReduceShape":     {{"nil shape", func() { ReduceShape("op", nil, true) }, nil}},
		"ReduceShapeInto": {{"nil shape", func() { ReduceShapeInto(nil, "op", nil, false, 0) }, ErrShape}},
		"ReducedAxes":     {{"nil shape", func() { ReducedAxes(nil, "op", nil, nil) }, nil}},
		"RegisterReuse":   {{"nil function", func() { RegisterReuse[*fakeBuf](nil) }, ErrArg}},
		"ResolveShape": {
			{"nil shape", func() { ResolveShape("op", nil, 1, nil) }, nil},
			{"negative count", func() { ResolveShape("op", nil, -4, []int{-1, 2}) }, ErrShape},
		},
		"ResolveShapeInto": {{"negative", func() { ResolveShapeInto(nil, "op", nil, 1, []int{-2}) }, ErrShape}},
		"Reuse": {
			{"nil buffer", func() { Reuse[*fakeBuf](nil, []int{2}) }, ErrArg},
			{"unregistered type", func() { Reuse(&otherBuf{}, []int{2}) }, ErrArg},
			{"nil shape", func() { Reuse(&fakeBuf{}, nil) }, nil},
		},
		"SqueezeShape":   {{"nil shape", func() { SqueezeShape(nil) }, nil}, {"axis", func() { SqueezeShape(nil, 0) }, ErrShape}},
		"UnsqueezeShape": {{"nil shape", func() { UnsqueezeShape(nil, 0) }, nil}, {"axis", func() { UnsqueezeShape(nil, 2) }, ErrShape}},
	}
	tapegradtest.CheckCalls(t, rows, nil)
}

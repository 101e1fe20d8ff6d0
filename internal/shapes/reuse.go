package shapes

// The tape's buffer pool reshapes a recycled *tensor.Tensor in place, which
// needs write access to the tensor's unexported fields. Rather than export a
// method that only the tape should call, package tensor registers, from its
// init function, a function giving this package the addresses of a tensor's
// shape and data fields (tensor cannot be imported here: it imports this
// package), and autograd calls Reuse. Go's internal rule keeps both out of
// users' reach. The hook only hands out the fields and Reuse does the work in
// ordinary static code, so the shape argument does not escape through the
// dynamic call: callers keep their shape buffers on the stack. The hook is
// generic so that callers keep the static type *tensor.Tensor; T is always
// that type.

var fields any // func(T) (*[]int, *[]float64, *[]float32), set once by package tensor's init

// RegisterReuse installs f, which returns the addresses of a buffer's shape
// and of its storage: the float64 slice of a float64 buffer (data32 nil) or
// the float32 slice of a float32 one (data nil); all nil for a nil buffer.
// Reuse uses it on buffers of type T. Package tensor calls it once, at
// initialisation. It panics with ErrArg if f is nil.
func RegisterReuse[T any](f func(t T) (shape *[]int, data *[]float64, data32 *[]float32)) {
	if f == nil {
		ArgPanic("shapes.RegisterReuse", "nil function")
	}
	fields = f
}

// Reuse gives t the given shape over its existing storage, growing the
// storage only if it is too small, and returns t; the elements' values are
// unspecified afterwards. It panics with ErrShape if the shape is not valid
// (see Numel), and with ErrArg if t is nil or T is not the registered type.
func Reuse[T any](t T, shape []int) T {
	const op = "tensor.Reuse"
	f, ok := fields.(func(T) (*[]int, *[]float64, *[]float32))
	if !ok {
		ArgPanic(op, "the buffer's type is not the registered tensor type")
	}
	sh, data, data32 := f(t)
	if sh == nil || data == nil && data32 == nil {
		ArgPanic(op, "nil buffer")
	}
	n := Numel(op, shape)
	*sh = append((*sh)[:0], shape...)
	if data32 != nil {
		*data32 = grow(*data32, n)
	} else {
		*data = grow(*data, n)
	}
	return t
}

// grow returns s with length n, reallocated only if its capacity is short.
func grow[E float32 | float64](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

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

var fields any // func(T) (*[]int, *[]float64), set once by package tensor's init

// RegisterReuse installs f, which returns the addresses of a buffer's shape
// and data (nil for a nil buffer), for Reuse on buffers of type T. Package
// tensor calls it once, at initialisation. It panics with ErrArg if f is nil.
func RegisterReuse[T any](f func(t T) (shape *[]int, data *[]float64)) {
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
	f, ok := fields.(func(T) (*[]int, *[]float64))
	if !ok {
		ArgPanic(op, "the buffer's type is not the registered tensor type")
	}
	sh, data := f(t)
	if sh == nil || data == nil {
		ArgPanic(op, "nil buffer")
	}
	n := Numel(op, shape)
	*sh = append((*sh)[:0], shape...)
	if cap(*data) < n {
		*data = make([]float64, n)
	}
	*data = (*data)[:n]
	return t
}

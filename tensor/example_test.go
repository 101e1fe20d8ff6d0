package tensor_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

func ExampleNew() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x.Shape())
	fmt.Println(x)
	fmt.Println(x.At(1, 2))
	// Output:
	// [2 3]
	// [[1. 2. 3.]
	//  [4. 5. 6.]]
	// 6
}

func ExampleAdd() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	bias := tensor.New([]float64{10, 20, 30})       // shape (3): added to every row
	column := tensor.New([]float64{100, 200}, 2, 1) // shape (2, 1): added to every column
	fmt.Println(tensor.Add(x, bias))
	fmt.Println(tensor.Add(x, column))
	fmt.Println(tensor.Add(x, tensor.Scalar(0.5)))
	// Output:
	// [[11. 22. 33.]
	//  [14. 25. 36.]]
	// [[101. 102. 103.]
	//  [204. 205. 206.]]
	// [[1.5 2.5 3.5]
	//  [4.5 5.5 6.5]]
}

func ExampleAdd_shapeMismatch() {
	defer func() {
		err := recover().(error)
		fmt.Println(errors.Is(err, tensor.ErrShape))
		var se *tensor.ShapeError
		if errors.As(err, &se) {
			fmt.Println(se.Op, se.Shapes, se.Msg)
			fmt.Println(strings.Contains(se.Site, "example_test.go:")) // the user line that called Add
		}
	}()
	tensor.Add(tensor.Zeros(2, 3), tensor.Zeros(4, 3))
	// Output:
	// true
	// tensor.Add [[2 3] [4 3]] shapes do not broadcast (trailing dimensions must be equal or 1)
	// true
}

func ExampleMatMul() {
	a := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.New([]float64{7, 8, 9, 10, 11, 12}, 3, 2)
	fmt.Println(tensor.MatMul(a, b))
	// a·aᵀ without materialising the transpose:
	fmt.Println(tensor.MatMulT(a, a, tensor.NoTrans, tensor.Trans))
	// Output:
	// [[ 58.  64.]
	//  [139. 154.]]
	// [[14. 32.]
	//  [32. 77.]]
}

func ExampleSum() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(tensor.Sum(x))                 // all axes
	fmt.Println(tensor.Sum(x, 0))              // down the columns
	fmt.Println(tensor.SumKeepDims(x, -1))     // along the rows, keeping the axis
	fmt.Println(tensor.Sum(x, 0, 1))           // both axes, named
	fmt.Println(tensor.SumKeepDims(x).Shape()) // all axes, kept as size 1
	// Output:
	// 21.
	// [5. 7. 9.]
	// [[ 6.]
	//  [15.]]
	// 21.
	// [1 1]
}

func ExampleSoftmax() {
	logits := tensor.New([]float64{
		0, 0, 0, 0,
		1000, 1000, -1000, -1000, // e^1000 overflows; Softmax does not
	}, 2, 4)
	p := tensor.Softmax(logits, -1)
	fmt.Println(p)
	fmt.Println(tensor.Sum(p, -1))
	// Output:
	// [[0.25 0.25 0.25 0.25]
	//  [ 0.5  0.5   0.   0.]]
	// [1. 1.]
}

func ExampleDType() {
	// Convert float64 data to float32 (rounding to nearest), or make
	// float32 tensors directly.
	a := tensor.New([]float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, 2, 3).To(tensor.Float32)
	b := tensor.Float32.Ones(3, 2)
	c := tensor.MatMul(a, b) // SGEMM: the product is float32 too
	fmt.Println(a.DType(), c.DType())
	fmt.Println(c)          // float32 values print in their shortest form
	fmt.Println(c.At(0, 0)) // At widens exactly: float32's rounding shows

	// Types never mix implicitly: convert one operand with To.
	defer func() {
		err := recover().(error)
		fmt.Println(errors.Is(err, tensor.ErrDType))
	}()
	tensor.MatMul(a, tensor.Ones(3, 2))
	// Output:
	// float32 float32
	// [[0.6 0.6]
	//  [1.5 1.5]], dtype=float32
	// 0.6000000238418579
	// true
}

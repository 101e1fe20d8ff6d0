package data_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tapegrad/tapegrad/nn/data"
)

// Load the iris flowers, split them 80/20 with a fixed seed, standardise
// with the training statistics and walk one epoch of mini-batches.
func Example() {
	ds, err := data.Iris()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d samples × %d features, classes %v\n", ds.Name, ds.Len(), ds.Features(), ds.ClassNames)
	fmt.Println("first sample:", ds.X.Data()[:4], "class", ds.ClassNames[ds.Labels[0]])

	rng := rand.New(rand.NewPCG(1, 1))
	train, test := data.TrainTestSplit(ds, 0.2, rng)
	fmt.Println("train", train.Len(), "test", test.Len())

	st := data.FitStandardizer(train.X)
	train.X, test.X = st.Transform(train.X), st.Transform(test.X)

	var sizes []int
	for idx := range data.Batches(train.Len(), 32, rng) {
		b := train.Subset(idx)
		sizes = append(sizes, b.Len())
	}
	fmt.Println("batch sizes", sizes)
	// Output:
	// iris: 150 samples × 4 features, classes [setosa versicolor virginica]
	// first sample: [5.1 3.5 1.4 0.2] class setosa
	// train 120 test 30
	// batch sizes [32 32 32 24]
}

// Read a table of numbers from any io.Reader; gzip is detected by itself.
func ExampleParseMatrix() {
	x, err := data.ParseMatrix(strings.NewReader("59 2 32.1\n48 1 21.6\n"), ' ', 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Shape(), x.Data())
	// Output: [2 3] [59 2 32.1 48 1 21.6]
}

// Malformed input is an error that names the line and wraps data.ErrFormat.
func ExampleParseCSV() {
	_, err := data.ParseCSV(strings.NewReader("2,2,a,b\n1.0,2.0,0\n3.0,oops,1\n"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, data.ErrFormat))
	// Output:
	// line 3, field 2: "oops" is not a finite number
	// true
}

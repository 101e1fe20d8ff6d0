package data

import (
	"iter"
	"math"
	"math/rand/v2"
)

// TrainTestSplit splits ds into a training and a test set. The test set
// gets round(testFraction·n) samples and the training set the rest; each
// sample goes to exactly one of them. With a non-nil rng the samples are
// first shuffled by rng.Perm(n), so a seeded rng
// (rand.New(rand.NewPCG(seed, seed))) always gives the same split; with a nil
// rng the first samples train and the last ones test, in file order. The split
// is not stratified. Both sets are copies (see Dataset.Subset).
//
// It panics with an error wrapping ErrArgument if testFraction is outside
// [0, 1] or ds is inconsistent (see Dataset.Validate).
func TrainTestSplit(ds *Dataset, testFraction float64, rng *rand.Rand) (train, test *Dataset) {
	const op = "data.TrainTestSplit"
	if !(testFraction >= 0 && testFraction <= 1) { // also catches NaN
		argPanic(op, "test fraction %v outside [0, 1]", testFraction)
	}
	ds.mustShapes(op)
	n := ds.Len()
	nTest := int(math.Round(testFraction * float64(n)))
	perm := permutation(n, rng)
	return ds.Subset(perm[:n-nTest]), ds.Subset(perm[n-nTest:])
}

// Batches returns an iterator over the mini-batches of one epoch through n
// samples: index slices of batchSize (the last one shorter when batchSize
// does not divide n) that together hold every index in [0, n) exactly once.
// Each range over the iterator is a new epoch: with a non-nil rng it draws a
// fresh permutation (rng.Perm(n)), so a seeded rng gives the same sequence of
// epochs every run; with a nil rng the batches are 0…batchSize−1, … in order.
// Use Dataset.Subset to take the rows:
//
//	batches := data.Batches(train.Len(), 32, rng)
//	for range 10 { // epochs
//		for idx := range batches {
//			b := train.Subset(idx)
//			…
//		}
//	}
//
// The slices share one array per epoch, allocated anew for each epoch: a
// caller may keep them but must not modify them during the epoch.
// It panics with an error wrapping ErrArgument if n < 0 or batchSize < 1.
func Batches(n, batchSize int, rng *rand.Rand) iter.Seq[[]int] {
	const op = "data.Batches"
	if n < 0 {
		argPanic(op, "sample count %d < 0", n)
	}
	if batchSize < 1 {
		argPanic(op, "batch size %d < 1", batchSize)
	}
	return func(yield func([]int) bool) {
		perm := permutation(n, rng)
		for lo := 0; lo < n; lo += batchSize {
			hi := min(lo+batchSize, n)
			if !yield(perm[lo:hi:hi]) {
				return
			}
		}
	}
}

// permutation returns rng.Perm(n), or 0…n−1 when rng is nil.
func permutation(n int, rng *rand.Rand) []int {
	if rng != nil {
		return rng.Perm(n)
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSizes are a small activation (256), one that fits in L2 with its
// output (16384 float64s = 128 KiB each), and one that streams from L3
// (262144 = 2 MiB each).
var benchSizes = []int{256, 16384, 262144}

// benchData returns normal deviates, so that about half are negative and
// a branching kernel would mispredict.
func benchData(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// runBench times f on n elements that move bytesPerElem bytes each (reads
// plus writes) and reports the time per element.
func runBench(b *testing.B, n, bytesPerElem int, f func()) {
	b.SetBytes(int64(n * bytesPerElem))
	b.ReportAllocs()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

func BenchmarkReLU(b *testing.B) {
	rk, _ := kernels(b)
	for _, k := range rk {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				x, dst := benchData(n, 1), make([]float64, n)
				runBench(b, n, 16, func() { k.f(dst, x) })
			})
		}
	}
}

func BenchmarkReLUBackward(b *testing.B) {
	_, bk := kernels(b)
	for _, k := range bk {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				y, g, dst := benchData(n, 1), benchData(n, 2), make([]float64, n)
				runBench(b, n, 24, func() { k.f(dst, y, g) })
			})
		}
	}
}

// BenchmarkCopy is the floor the kernels are measured against: copy moves
// the same bytes as ReLU with no arithmetic.
func BenchmarkCopy(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x, dst := benchData(n, 1), make([]float64, n)
			runBench(b, n, 16, func() { copy(dst, x) })
		})
	}
}

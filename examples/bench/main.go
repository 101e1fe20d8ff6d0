// Command bench runs tapegrad's standard workloads (../shared/bench/
// WORKLOADS.md in the project's shared folder) and prints a table, or with
// -json one JSON object per line in the format the PyTorch reference prints,
// so ../shared/bench/compare.sh can put the two side by side.
//
//	go run ./examples/bench [-json] [-quick] [-threads 1,2] [-dtype float64|float32] [-workloads mlp-mnist,mlp-tiny,scalar-chain,matmul,cnn-mnist,transformer-step,per-sample-grads,alloc]
//
// -threads sets GOMAXPROCS for each run. Every workload uses the
// deterministic inputs of WORKLOADS.md, so the check values (losses,
// gradients, sums) must agree with PyTorch's to about 1e-9 (1e-4 with
// -dtype float32, which draws inputs and weights in float64, rounds them
// to float32 once and runs everything, optimiser included, in float32).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

func main() {
	asJSON := flag.Bool("json", false, "print JSON lines instead of a table")
	quick := flag.Bool("quick", false, "fewer repetitions (3 blocks)")
	threads := flag.String("threads", "1,2", "comma-separated GOMAXPROCS values")
	which := flag.String("workloads", "mlp-mnist,mlp-tiny,scalar-chain,matmul,cnn-mnist,transformer-step,per-sample-grads,alloc", "workloads to run")
	dtype := flag.String("dtype", "float64", "element type: float64 or float32")
	flag.Parse()
	dt := tensor.Float64
	switch *dtype {
	case "float64":
	case "float32":
		dt = tensor.Float32
	default:
		fmt.Fprintf(os.Stderr, "bench: -dtype %q: want float64 or float32\n", *dtype)
		os.Exit(2)
	}
	if err := run(os.Stdout, dt, *asJSON, *quick, *threads, *which); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// line is one JSON output line (WORKLOADS.md's format).
type line struct {
	System   string             `json:"system"`
	Workload string             `json:"workload"`
	Threads  int                `json:"threads"`
	Unit     string             `json:"unit"`
	Median   float64            `json:"median"`
	Min      float64            `json:"min"`
	Max      float64            `json:"max"`
	Check    map[string]float64 `json:"check"`
	DType    string             `json:"dtype"`
}

func median(s []float64) float64 {
	c := slices.Clone(s)
	slices.Sort(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func run(w io.Writer, dt tensor.DType, asJSON, quick bool, threads, which string) error {
	reps, sW1, sW2, sW3, sW4, sW6, sW8 := 7, 100, 1000, 3, 5, 20, 5
	if quick {
		reps, sW1, sW2, sW3, sW4, sW6, sW8 = 3, 20, 200, 1, 2, 5, 2
	}
	var ts []int
	for _, s := range strings.Split(threads, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || t < 1 {
			return fmt.Errorf("bad -threads value %q", s)
		}
		ts = append(ts, t)
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	if !asJSON {
		fmt.Fprintf(w, "%-22s %4s %12s %12s %12s  %-11s %s\n", "workload", "thr", "median", "min", "max", "unit", "check")
	}
	for _, t := range ts {
		runtime.GOMAXPROCS(t)
		for _, name := range strings.Split(which, ",") {
			var rs []result
			switch strings.TrimSpace(name) {
			case "mlp-mnist":
				rs = []result{runTrainer("mlp-mnist", "ms/step", mlpMNIST(dt), 1e3, reps, sW1)}
			case "cnn-mnist":
				rs = []result{runTrainer("cnn-mnist", "ms/step", cnnMNIST(dt), 1e3, reps, sW6)}
			case "transformer-step":
				rs = []result{runTrainer("transformer-step", "ms/step", transformerLM(dt), 1e3, reps, sW6)}
			case "mlp-tiny":
				rs = []result{runTrainer("mlp-tiny", "us/step", mlpTiny(dt), 1e6, reps, sW2)}
			case "scalar-chain":
				rs = []result{scalarChain(dt, reps, sW3)}
			case "matmul":
				rs = matmul(dt, reps, sW4)
			case "per-sample-grads":
				rs = perSampleGrads(dt, reps, sW8)
			case "alloc":
				rs = append(allocs("mlp-mnist", mlpMNIST(dt), sW1), allocs("mlp-tiny", mlpTiny(dt), sW2)...)
			default:
				return fmt.Errorf("unknown workload %q", name)
			}
			for _, r := range rs {
				l := line{System: "tapegrad", Workload: r.Workload, Threads: t, Unit: r.Unit,
					Median: median(r.Samples), Min: slices.Min(r.Samples), Max: slices.Max(r.Samples), Check: r.Check, DType: dt.String()}
				if asJSON {
					b, err := json.Marshal(l)
					if err != nil {
						return err
					}
					fmt.Fprintln(w, string(b))
					continue
				}
				keys := make([]string, 0, len(l.Check))
				for k := range l.Check {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				var cs []string
				for _, k := range keys {
					cs = append(cs, fmt.Sprintf("%s=%.12g", k, l.Check[k]))
				}
				fmt.Fprintf(w, "%-22s %4d %12.4g %12.4g %12.4g  %-11s %s\n", l.Workload, t, l.Median, l.Min, l.Max, l.Unit, strings.Join(cs, " "))
			}
		}
	}
	return nil
}

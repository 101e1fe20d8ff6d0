package checkpoint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/nn"
)

// Training state beyond the optimiser's: a schedule's epoch and the
// position of each Dropout's rng (see "Resuming training" in the package
// doc).

// Schedule is a learning-rate schedule whose position can be saved: every
// schedule of package optim.
type Schedule interface {
	Epoch() int
	SetEpoch(e int)
}

// Drawer is a module that draws random numbers while training, such as
// nn.Dropout: Draws counts them and Skip(n) draws and discards n more.
// Save records each Drawer's count; Load, when it restores training state,
// advances each to the saved count, which puts its rng where the saved
// one was if it started where the saved one started.
type Drawer interface {
	Draws() uint64
	Skip(n uint64)
}

// MaxDraws is the default limit on the numbers Load draws to advance the
// model's Drawers (2³⁶, about 150 s at 2 ns a draw), so that a hostile file
// cannot make Load run for hours; WithMaxDraws raises it.
const MaxDraws = 1 << 36

// drawers returns the Drawers of m in nn.Walk order.
func drawers(m nn.Module) []Drawer {
	var ds []Drawer
	nn.Walk(m, func(m nn.Module) {
		if d, ok := m.(Drawer); ok {
			ds = append(ds, d)
		}
	})
	return ds
}

// checkTrainingArgs rejects a typed nil optimiser or schedule.
func checkTrainingArgs(o options) error {
	if o.opt != nil && isNil(o.opt) {
		return argErr("nil optimiser %T", o.opt)
	}
	if o.sched != nil && isNil(o.sched) {
		return argErr("nil schedule %T", o.sched)
	}
	return nil
}

// drawsToSkip returns, for each Drawer of the model, how many numbers it
// must draw to reach the count the file records (MetaDraws). The file must
// record one count per Drawer, none below the Drawer's own count (an rng
// cannot be rewound: load into a model made afresh with the same seeds),
// and their sum may not exceed max.
func drawsToSkip(md map[string]string, ds []Drawer, max uint64) ([]uint64, error) {
	var saved []string
	if s := md[MetaDraws]; s != "" {
		saved = strings.Split(s, ",")
	}
	if len(saved) != len(ds) {
		return nil, fmt.Errorf("%w: the file records the rng position of %d Dropout layers (metadata %s), the model has %d",
			ErrMismatch, len(saved), MetaDraws, len(ds))
	}
	skips := make([]uint64, len(ds))
	var total uint64
	for i, d := range ds {
		n, err := strconv.ParseUint(saved[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: metadata %s = %q: entry %d is not a count", ErrMismatch, MetaDraws, md[MetaDraws], i)
		}
		have := d.Draws()
		if n < have {
			return nil, fmt.Errorf("%w: Dropout layer %d (%T) has drawn %d numbers, past the file's %d; an rng cannot be rewound: load into a model made afresh with the same seeds",
				ErrMismatch, i, d, have, n)
		}
		skips[i] = n - have
		if total += skips[i]; total > max || total < skips[i] {
			return nil, fmt.Errorf("%w: the file asks the Dropout layers to draw more than %d numbers to catch up; raise the limit with WithMaxDraws if the file is trusted",
				ErrMismatch, max)
		}
	}
	return skips, nil
}

// scheduleEpoch returns the epoch to give s (-1 if s is nil), checking the
// file's schedule type and epoch.
func scheduleEpoch(md map[string]string, s Schedule) (int, error) {
	if s == nil {
		return -1, nil
	}
	got, want := md[MetaSchedule], fmt.Sprintf("%T", s)
	if got != want {
		if got == "" {
			got = "no schedule"
		}
		return 0, fmt.Errorf("%w: the file holds the position of %s, not %s", ErrMismatch, got, want)
	}
	e, err := strconv.ParseInt(md[MetaScheduleEpoch], 10, 32)
	if err != nil || e < 0 {
		return 0, fmt.Errorf("%w: metadata %s = %q is not an epoch (an integer in [0, 2³¹))", ErrMismatch, MetaScheduleEpoch, md[MetaScheduleEpoch])
	}
	return int(e), nil
}

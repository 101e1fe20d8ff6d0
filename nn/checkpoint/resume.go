package checkpoint

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/nn"
)

// Training state beyond the optimiser's: a schedule's epoch (and the rest
// of a StatefulSchedule's state) and the position of each Dropout's rng (see "Resuming training" in the package
// doc).

// Schedule is a learning-rate schedule whose position can be saved: every
// schedule of package optim.
type Schedule interface {
	Epoch() int
	SetEpoch(e int)
}

// StatefulSchedule is a Schedule whose position is more than its epoch,
// such as optim.ReduceLROnPlateau (its best metric, bad epochs, cooldown
// and the optimiser's current rate, which it scales rather than computes).
// WithSchedule recognises it: Save stores each value of ScheduleState
// under the metadata key MetaScheduleState+NAME, and Load gives them back
// with LoadScheduleState before SetEpoch.
type StatefulSchedule interface {
	Schedule
	// ScheduleState returns the state beyond Epoch, by name.
	ScheduleState() map[string]float64
	// LoadScheduleState replaces that state. It checks every name and
	// value first and returns an error, changing nothing, if one does not
	// fit; it accepts whatever ScheduleState returned.
	LoadScheduleState(st map[string]float64) error
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

// scheduleStateMetadata adds the state of s, if it is a StatefulSchedule,
// to md under MetaScheduleState, each value in the shortest decimal that
// parses back to the same float64 (strconv 'g', -1: exact), after removing
// any key md had under that prefix.
func scheduleStateMetadata(md map[string]string, s Schedule) {
	ss, ok := s.(StatefulSchedule)
	if !ok {
		return
	}
	for k := range md {
		if strings.HasPrefix(k, MetaScheduleState) {
			delete(md, k)
		}
	}
	for k, v := range ss.ScheduleState() {
		md[MetaScheduleState+k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
}

// loadScheduleState gives s, if it is a StatefulSchedule, the state the
// file records under MetaScheduleState (the file's schedule type has been
// checked). On success it returns a function that puts the previous state
// back; on error, wrapping ErrMismatch, nothing has changed.
func loadScheduleState(md map[string]string, s Schedule) (undo func(), err error) {
	ss, ok := s.(StatefulSchedule)
	if !ok {
		return func() {}, nil
	}
	st := map[string]float64{}
	for _, k := range slices.Sorted(maps.Keys(md)) {
		name, ok := strings.CutPrefix(k, MetaScheduleState)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(md[k], 64)
		if err != nil {
			return nil, fmt.Errorf("%w: metadata %s = %q is not a number", ErrMismatch, k, md[k])
		}
		st[name] = v
	}
	if len(st) == 0 {
		return nil, fmt.Errorf("%w: the file holds the epoch of %T but not its state (metadata %s*)", ErrMismatch, s, MetaScheduleState)
	}
	snap := ss.ScheduleState()
	if err := ss.LoadScheduleState(st); err != nil {
		return nil, fmt.Errorf("%w: schedule %T: %w", ErrMismatch, s, err)
	}
	return func() { _ = ss.LoadScheduleState(snap) }, nil // accepted: see StatefulSchedule
}

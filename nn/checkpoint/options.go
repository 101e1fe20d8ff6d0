package checkpoint

// The options of Save, Write, Load and Read, and the names and metadata
// keys they write.

// OptimPrefix starts the names of optimiser state tensors in a checkpoint:
// state "0.exp_avg" is stored as "optim.0.exp_avg".
const OptimPrefix = "optim."

// Metadata keys written by Save and read by Load.
const (
	// MetaLayout is "tapegrad" or "torch": the weight layout and names.
	MetaLayout = "tapegrad.layout"
	// MetaOptimizer is the Go type of the optimiser whose state the file
	// holds ("*optim.Adam"); absent without optimiser state.
	MetaOptimizer = "tapegrad.optimizer"
	// MetaSchedule is the Go type of the schedule saved WithSchedule
	// ("*optim.StepLR"); MetaScheduleEpoch its Epoch in decimal.
	MetaSchedule      = "tapegrad.schedule"
	MetaScheduleEpoch = "tapegrad.schedule.epoch"
	// MetaScheduleState prefixes the state of a StatefulSchedule saved
	// WithSchedule: value NAME of its ScheduleState under
	// MetaScheduleState+NAME, in the shortest decimal that parses back to
	// the same float64 ("tapegrad.schedule.state.best": "0.8125"); absent
	// for other schedules. The prefix is reserved: Save replaces any
	// WithMetadata key under it.
	MetaScheduleState = "tapegrad.schedule.state."
	// MetaDraws lists the Draws of each Drawer of the model (each
	// nn.Dropout) in nn.Walk order, in decimal, separated by commas;
	// absent for a model without one.
	MetaDraws = "tapegrad.draws"
)

// Option configures Save, Write, Load and Read.
type Option func(*options)

type options struct {
	dtype    DType
	torch    bool
	names    func(string) string
	md       map[string]string
	opt      Optimizer
	sched    Schedule
	maxDraws uint64
	states   []namedState
}

// namedState is one WithState option.
type namedState struct {
	name string
	s    State
}

// WithDType makes Save write every tensor (parameters, optimiser and
// WithState state) as dt: F64, F32, F16 or BF16. Without it, or with the
// empty dt, each tensor keeps its own element type (F64 for
// tensor.Float64, F32 for tensor.Float32), which resumes training
// bit-for-bit. A narrower dt rounds to nearest even, and F64 widens
// float32 exactly. Load reads whatever dtype the file has and converts it
// to each parameter's type (see Apply).
func WithDType(dt DType) Option { return func(o *options) { o.dtype = dt } }

// Torch makes Save write, and Load expect, a PyTorch state dict: names
// mapped by TorchName (or the WithNames function) and the weights of
// nn.Linear and nn.Neuron layers transposed to PyTorch's (out, in) layout.
// Save also writes the metadata "format": "pt", as PyTorch's save_file does.
func Torch() Option { return func(o *options) { o.torch = true } }

// WithNames maps each parameter name to the name used in the file, for
// state dicts whose names follow neither tapegrad's nor TorchName's rule.
func WithNames(f func(name string) string) Option { return func(o *options) { o.names = f } }

// WithMetadata adds md to the file's "__metadata__" (Save) .
func WithMetadata(md map[string]string) Option { return func(o *options) { o.md = md } }

// WithOptimizer saves, or loads, opt's state beside the parameters: each
// state tensor NAME under OptimPrefix+NAME, and opt's Go type under the
// metadata key MetaOptimizer (Load checks it). Without this option Load
// ignores optimiser state in a file.
func WithOptimizer(opt Optimizer) Option { return func(o *options) { o.opt = opt } }

// WithSchedule saves, or loads, s's position: its Go type under the
// metadata key MetaSchedule (Load checks it) and its Epoch under
// MetaScheduleEpoch. Load calls s.SetEpoch, which also sets the
// optimiser's rate. If s is a StatefulSchedule, such as
// optim.ReduceLROnPlateau, its ScheduleState goes under MetaScheduleState
// too, and Load restores it (for ReduceLROnPlateau, the best metric, the
// bad-epoch and cooldown counters and the optimiser's current rate) before
// SetEpoch; a file without that state, or with state s rejects, is an
// ErrMismatch error and changes nothing. Construct the schedule as before,
// on the optimiser given to WithOptimizer, before loading.
func WithSchedule(s Schedule) Option { return func(o *options) { o.sched = s } }

// WithMaxDraws sets the most numbers Load may draw to advance the model's
// Drawers (default MaxDraws).
func WithMaxDraws(n uint64) Option { return func(o *options) { o.maxDraws = n } }

func collect(opts []Option) options {
	o := options{maxDraws: MaxDraws} // dtype "": each tensor's own type
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if o.names == nil {
		o.names = func(s string) string { return s }
		if o.torch {
			o.names = TorchName
		}
	}
	return o
}

// Package checkpoint saves and loads a model's parameters, and an
// optimiser's state, in the safetensors format, so the same file loads in
// PyTorch's safetensors library and in tapegrad, and training resumes
// exactly.
//
// # Saving and loading a model
//
//	err := checkpoint.Save("model.safetensors", model, checkpoint.WithOptimizer(opt))
//	…
//	err = checkpoint.Load("model.safetensors", model, checkpoint.WithOptimizer(opt))
//
// Each parameter is stored under its nn.Module.NamedParams name
// ("layers.0.weight"), in tapegrad's layout (Linear weights (in, out)), in
// its element type (F64 for a tensor.Float64 parameter, F32 for a
// tensor.Float32 one; see Element types) unless WithDType asks for one
// type for all. Every tensor gets its own name: if two distinct
// parameters (or a parameter and optimiser state) would share one,
// because a module repeats a name or WithNames or TorchName maps two names
// to one, Save returns an error wrapping ErrArg and writes nothing. One parameter tied under several names is stored
// under each.
//
// Save is atomic (see WriteFileAtomic): a failure or a crash midway leaves
// the previous file. A crashed Save leaves a temporary file
// ".NAME.tmp-pPID-…" beside the target; the next Save of that target
// removes those whose process is gone. Saving over a symbolic link writes
// the file it points to and keeps the link; saving over an existing file
// keeps its permission bits, and a file with no write permission (0444)
// is not replaced (the error wraps fs.ErrPermission).
//
// Load is all or nothing. It decodes and validates the whole file, then
// checks that every parameter is present with a float dtype and its shape,
// that the file has no tensor the model lacks, and that optimiser state fits
// the optimiser, before it writes a single parameter (converting each
// tensor to its parameter's element type); any problem is an error
// (wrapping ErrFormat for a malformed file, ErrMismatch for one that does
// not fit, ErrArg for two distinct parameters mapped to one file tensor or
// a nil argument) naming the tensor and what is wrong. Nothing
// panics on bad input; a nil model, reader or writer is an ErrArg error.
//
// # Resuming training
//
// Saved and loaded with WithOptimizer (and WithSchedule if a learning-rate
// schedule drives the optimiser), training resumes bit-identically to an
// uninterrupted run, for every optimiser and schedule of package optim and
// with nn.Dropout layers, in float64 and in float32:
//
//	checkpoint.Save(path, model, checkpoint.WithOptimizer(opt), checkpoint.WithSchedule(sched))
//	…
//	model, opt, sched := build() // as before: same seeds, same configuration
//	checkpoint.Load(path, model, checkpoint.WithOptimizer(opt), checkpoint.WithSchedule(sched))
//
// The file holds the optimiser's state (below), the schedule's type and
// epoch (metadata MetaSchedule, MetaScheduleEpoch; Load calls SetEpoch,
// which sets the rate), the rest of a StatefulSchedule's state (below) and
// how many numbers each Dropout (each Drawer) has
// drawn from its rng (MetaDraws). An rng's state cannot be read, so Load
// advances each Dropout's rng by the difference: the resumed model must be
// built the same way, its Dropout rngs seeded as before (an rng shared
// with the weights' initialisation is fine, as is one shared by several
// Dropouts, as long as nothing else draws from it). Load refuses, changing
// nothing, if a Dropout has already drawn more than the file records (an
// rng cannot be rewound) or if catching up would take more than MaxDraws
// draws (about 2.5 minutes; WithMaxDraws raises it). Without WithOptimizer
// or WithSchedule, Load restores parameters only and ignores this state.
//
// optim.ReduceLROnPlateau, which scales the optimiser's current rate from
// a metric's history rather than computing it from the epoch, is a
// StatefulSchedule: WithSchedule also saves its ScheduleState (the best
// metric, the bad-epoch and cooldown counters and the optimiser's current
// rate, which the optimiser's state tensors do not hold) under
// MetaScheduleState, each value as the shortest decimal that parses back
// to the same float64, and Load restores it, so training with it resumes
// bit-identically too:
//
//	checkpoint.Save(path, model, checkpoint.WithOptimizer(opt), checkpoint.WithSchedule(plateau))
//
// A file saved with another schedule type, without that state or with
// state the schedule rejects is an ErrMismatch error and changes nothing.
// Files saved before, with other schedules, load as they did.
//
// # Fitted preprocessing and other state
//
// WithState saves, and loads, any State (a StateTensors and
// LoadStateTensors pair) beside the parameters under a name: a fitted
// data.Standardizer's mean and std go to "state.NAME.mean" and
// "state.NAME.std" (StatePrefix), so the model and the statistics its
// inputs need travel in one file:
//
//	checkpoint.Save(path, model, checkpoint.WithState("input", st))
//	…
//	var st data.Standardizer
//	checkpoint.Load(path, model, checkpoint.WithState("input", &st))
//
// Loading is exact (each tensor is saved in its own type, and loaded into
// the type of the state it replaces) and all or nothing like the rest of
// Load: a state
// the file lacks, or tensors the State rejects, is an ErrMismatch error and
// leaves the model, the optimiser and every State unchanged. Without
// WithState, Load ignores the states in a file.
//
// # PyTorch
//
// With the Torch option, Save writes and Load expects a PyTorch state dict:
// names go through TorchName ("layers.0.weight" ↔ "0.weight", as
// torch.nn.Sequential names its layers) or a WithNames function, and the
// weights of nn.Linear and nn.Neuron layers are transposed to and from
// PyTorch's (out, in) layout. A file saved with Torch() loads with
//
//	model.load_state_dict(safetensors.torch.load_file(path))
//
// into the equivalent torch.nn.Sequential, and a file PyTorch saved loads
// with Load(path, model, checkpoint.Torch()). PyTorch saves float32 by
// default: load such a file into a float32 model (nn.To(model,
// tensor.Float32), PyTorch's model.float()) and every tensor saved back
// with Torch() has PyTorch's dtype and bytes; it loads into a float64
// model too, widened exactly.
//
// # Element types
//
// A model's parameters are tensor.Float64 by default, or tensor.Float32
// after nn.To(model, tensor.Float32). Save writes each tensor in its own
// type, bit for bit: a Float64 parameter as F64, a Float32 one as F32, and
// the optimiser's and WithState's tensors likewise (an optimiser keeps
// each parameter's state in that parameter's type), so a float32 model's
// checkpoint takes half the space and resumes training bit-identically.
// WithDType(dt) writes every tensor as dt instead: F64 widens float32
// exactly; F32, F16 and BF16 round to nearest even and overflow to ±Inf.
//
// Load converts each file tensor to its parameter's type, as PyTorch's
// load_state_dict (param.copy_) does, and never changes a parameter's
// type: F32 into a float32 parameter bit for bit (no round trip through
// float64), F64 into a float32 parameter rounded to nearest even, F32 into
// a float64 parameter widened exactly, F16 and BF16 exactly into either.
// Optimiser and WithState tensors are converted to the type of the state
// tensor of the same name they replace, as PyTorch's
// optimizer.load_state_dict casts state to its parameter's type (a tensor
// the optimiser does not yet have, such as SGD's momentum before its first
// step, is given in its File type). Convert the model with nn.To before
// making the optimiser and before loading.
//
// Reading (ReadFile, ReadTensors, Decode) accepts F64, F32, F16, BF16,
// I64, I32, I16, I8, U8 and BOOL. File.Tensors holds an F32 tensor as a
// tensor.Float32 tensor with the file's bits, and every other type widened
// to tensor.Float64 exactly (integers beyond ±2⁵³, which float64 cannot
// hold, are an error); File.DTypes records the stored type. (Before
// tensors had a float32 type, F32 too was widened to float64: call
// t.To(tensor.Float64) or t.Float64s() where that is wanted.) Parameters
// must come from a float dtype.
//
// # Optimiser state
//
// WithOptimizer stores the optimiser's StateTensors (see optim.Stateful) in
// the same file, each under OptimPrefix: Adam's first moment of parameter 0
// is "optim.0.exp_avg", its step count "optim.0.step" (a 0-d tensor), as in
// PyTorch's optimizer.state_dict(), where 0 is the parameter's position in
// the list given to the optimiser. The metadata key MetaOptimizer holds the
// optimiser's Go type ("*optim.Adam"), which Load checks; MetaLayout holds
// "tapegrad" or "torch". Hyperparameters are not stored: construct the
// optimiser with the same configuration before loading. Loading a file
// without WithOptimizer ignores the optimiser state in it.
//
// # The format
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header {"NAME": {"dtype": "F64", "shape": [2, 3], "data_offsets":
// [BEGIN, END]}, …, "__metadata__": {"KEY": "VALUE"}}, padded with spaces,
// then the data buffer, each tensor's elements little-endian and row-major
// at [BEGIN, END) of the buffer. Decode requires the tensors to tile the
// buffer exactly (no overlap, no gap, no trailing bytes), as the reference
// implementation does, and a header of at most MaxHeaderLen (100,000,000)
// bytes. WriteTensors sorts names and pads the header to 8 bytes.
//
// The header is read exactly as the reference reader (Rust's serde_json
// into safetensors' serde structs) reads it: valid UTF-8 and strict JSON
// (no lone surrogate escapes, which would otherwise become U+FFFD);
// field names matched case-sensitively; each of "dtype", "shape" and
// "data_offsets" exactly once per tensor, other fields ignored; dtype names
// exact ("F64", not "f64"); dimensions and offsets plain non-negative
// integers below 2⁶⁴ ("1.0", "1e0", "01" are errors); "__metadata__" once,
// null or an object of strings (of a repeated key the last wins); nesting
// at most 128 deep. It is stricter than the reference in a few corners
// where that reader's answer would surprise: a tensor name given twice or
// empty, a tensor record or dtype in serde's array or object forms, more
// than MaxRank (64) dimensions, a dimension above 2³¹ or more than 2³¹
// elements are errors. Decoding costs time linear in the file's length and
// memory proportional to it (the header's names and metadata, at most
// MaxRank dimensions per tensor, the values: 4 bytes an element for F32, 8
// for every other type): a shape of millions
// of dimensions is rejected at the 65th, and a header of many zero-size
// tensors allocates about 16 bytes per header byte. ReadFile reports a
// directory as such and reads pipes as streams.
package checkpoint

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
// ("layers.0.weight"), in tapegrad's layout (Linear weights (in, out)), as
// F64 unless WithDType asks for F32, F16 or BF16. Save is atomic (see
// WriteFileAtomic): a failure or a crash midway leaves the previous file.
//
// Load is all or nothing. It decodes and validates the whole file, then
// checks that every parameter is present with a float dtype and its shape,
// that the file has no tensor the model lacks, and that optimiser state fits
// the optimiser, before it writes a single parameter; any problem is an
// error (wrapping ErrFormat for a malformed file, ErrMismatch for one that
// does not fit) naming the tensor and what is wrong. Nothing panics on bad
// input.
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
// with Load(path, model, checkpoint.Torch()).
//
// # Data types
//
// Reading accepts F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL and
// widens every element to float64 exactly (integers beyond ±2⁵³, which
// float64 cannot hold, are an error). File.DTypes records the stored type.
// Parameters must come from a float dtype. Writing uses F64 by default,
// which round-trips float64 exactly; F32, F16 and BF16 round to nearest
// even and overflow to ±Inf.
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
// implementation does, and a header of at most MaxHeaderLen bytes.
// WriteTensors sorts names and pads the header to 8 bytes.
package checkpoint

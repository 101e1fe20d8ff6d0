// Package tapegradtest holds the scaffolding that the tests of tapegrad's
// packages share, so that no package keeps its own copy:
//
//   - Catch and CheckPanic, for misuse that must panic with an error
//     wrapping a sentinel (tensor.ErrShape, nn.ErrArg, …) whose message names
//     the op and the shapes or values involved;
//   - View and Diff, a cmp.Diff of two tensors' shapes and data that takes
//     tolerances as cmp options (cmpopts.EquateApprox);
//   - NewRNG, the seeded generator tests draw from, so failures replay;
//   - ExportedAPI, MissingRows and NoRuntimePanic, for tests that call
//     every exported entry point of a package with nil and zero arguments
//     and fail when one crashes with a runtime error or has no row;
//     CheckEntryPoints and CheckCall run such a table in one call, also
//     failing on a panic that wraps none of the package's sentinels.
//
// It imports none of tapegrad's packages (a tensor is anything with Shape
// and Data methods), so the tests of every package, internal/shapes'
// included, may use it without an import cycle.
package tapegradtest

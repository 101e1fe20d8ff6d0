// Package train runs and shows the training of an nn.Module: a ready loop
// for the common case (Fit), and its pieces for a loop of one's own.
//
// # Fit
//
// Fit trains a model on a data set for a number of epochs of shuffled
// mini-batches, evaluates it on a test set after each epoch and returns the
// History of the losses and metrics:
//
//	h, err := train.Fit(train.Config{
//		Model: model, Optimizer: opt, Schedule: sched, // Schedule may be nil
//		Train: trainSet, Test: testSet,
//		Loss:    train.CrossEntropy, // or train.Quadratic, or any train.Loss
//		Metrics: []train.Metric{train.Accuracy()},
//		Batch:   32, Epochs: 40, Rng: rng,
//		Out:     os.Stdout, Every: 1, // an epoch line after every epoch
//		Progress: train.NewProgress(os.Stderr),
//	})
//	err = h.WritePlot("loss.png", train.LossPlot("digits: cross-entropy"))
//
// Each epoch resets one tape per mini-batch (its buffers are reused, so the
// steady-state step allocates nothing beyond the batch's rows), records the
// loss, zeroes the gradients, runs Backward and steps the optimiser; after
// the epoch it steps the schedule and evaluates without a tape.
//
// # Pieces for a loop of one's own
//
//   - Epoch is Fit's inner loop, and Evaluate its evaluation.
//   - Progress shows a run: on a terminal a bar with the running mean loss and
//     the speed (samples/s or steps/s); elsewhere one plain line per period.
//     A nil *Progress shows nothing.
//   - History records named series, one value per epoch or per step (its X
//     names the axis), and draws them as PNG line charts: a Plot picks the
//     series and the y scale (AutoScale is logarithmic when the values span
//     more than a decade), with a grid, labelled axes and the legend in the
//     margin, clear of the curves. Chart is the renderer, on the standard
//     library alone.
//   - EarlyStopping ends a run whose metric has stopped improving, and
//     BestCheckpoint keeps the best model in a file (nn/checkpoint's atomic
//     Save) and restores it. A Monitor says which metric, which direction
//     (Min or Max) and by how much an improvement must beat the best.
//   - Flags registers the -epochs, -batch, -seed, -plot and -quiet flags of a
//     training program.
//
// # Conventions
//
// Progress and epoch lines are for people: send the Progress to stderr and
// the results to stdout, so scripts can read the latter. Misuse (a Mode that
// is neither Min nor Max, a missing model) is an error or panic wrapping
// ErrArg; a loss that is not finite ends Fit with an error.
package train

package train

import (
	"flag"
	"io"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/tapegradtest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/checkpoint"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestNilArgs calls every exported function and method with nil and zero
// arguments and zero-value receivers: each must return, return an error,
// or panic with a documented sentinel, never crash with a runtime error;
// an entry point without a row fails the test.
func TestNilArgs(t *testing.T) {
	var tp *autograd.Tape
	zero := autograd.Var{}
	tapegradtest.CheckEntryPoints(t, map[string][]func(){
		"Accuracy":               {func() { Accuracy() }},
		"BestCheckpoint.Best":    {func() { (&BestCheckpoint{}).Best() }},
		"BestCheckpoint.Restore": {func() { _ = (&BestCheckpoint{}).Restore() }},
		"BestCheckpoint.Update":  {func() { _, _ = (&BestCheckpoint{}).Update(1) }},
		"Chart.WritePNG":         {func() { _ = (&Chart{}).WritePNG(io.Discard) }, func() { _ = (&Chart{}).WritePNG(nil) }},
		"CrossEntropy":           {func() { CrossEntropy(tp, zero, nil) }},
		"EarlyStopping.Best":     {func() { (&EarlyStopping{}).Best() }},
		"EarlyStopping.Update":   {func() { (&EarlyStopping{}).Update(1) }},
		"Epoch":                  {func() { _, _ = Epoch(nil, nil, nil, nil, nil, nil, nil) }},
		"Evaluate":               {func() { Evaluate(nil, nil, nil) }},
		"Fit":                    {func() { _, _ = Fit(Config{}) }},
		"Flags.Progress":         {func() { (&Flags{}).Progress(nil) }},
		"Flags.Register":         {func() { (&Flags{}).Register(flag.NewFlagSet("t", flag.ContinueOnError)) }, func() { (&Flags{}).Register(nil) }},
		"Flags.RegisterBatch":    {func() { (&Flags{}).RegisterBatch(nil) }},
		"Flags.RegisterDType":    {func() { (&Flags{}).RegisterDType(flag.NewFlagSet("t", flag.ContinueOnError)) }},
		"History.Add":            {func() { (&History{}).Add("", 1) }},
		"History.Chart":          {func() { (&History{}).Chart(Plot{}) }},
		"History.Last":           {func() { (&History{}).Last("x") }},
		"History.Len":            {func() { (&History{}).Len() }},
		"History.Names":          {func() { (&History{}).Names() }},
		"History.Series":         {func() { (&History{}).Series("") }},
		"History.WritePlot":      {func() { _ = (&History{}).WritePlot("", Plot{}) }},
		"IsTerminal":             {func() { IsTerminal(nil) }},
		"LossPlot":               {func() { LossPlot("") }},
		"NewBestCheckpoint":      {func() { NewBestCheckpoint("", nil, "", 0) }},
		"NewEarlyStopping":       {func() { NewEarlyStopping("", 0, -1) }},
		"NewHistory":             {func() { NewHistory("") }},
		"NewProgress":            {func() { NewProgress(nil) }},
		"Progress.Finish":        {func() { (&Progress{}).Finish() }, func() { (*Progress)(nil).Finish() }},
		"Progress.Mean":          {func() { (&Progress{}).Mean() }, func() { (*Progress)(nil).Mean() }},
		"Progress.Start":         {func() { (&Progress{}).Start("", 0) }},
		"Progress.Step":          {func() { (&Progress{}).Step(1, 0) }, func() { (*Progress)(nil).Step(1, 1) }},
		"Quadratic":              {func() { Quadratic(tp, zero, nil) }},
	}, ErrArg, autograd.ErrTape, tensor.ErrArg, tensor.ErrShape, nn.ErrArg, checkpoint.ErrArg)
}

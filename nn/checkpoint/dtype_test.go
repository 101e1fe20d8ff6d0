package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/nn/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// Element types: a tensor.Float32 tensor or parameter is saved as F32 and
// a tensor.Float64 one as F64, bit for bit; loading converts a file tensor
// to its parameter's type as PyTorch's load_state_dict does.

// bitsOf is a tensor as stored: its type, shape and each element's bits
// (a float32's in the low 32 bits), so that -0, subnormals and NaN
// payloads compare exactly.
type bitsOf struct {
	DType tensor.DType
	Shape []int
	Bits  []uint64
}

func tensorBits(t *tensor.Tensor) bitsOf {
	b := bitsOf{DType: t.DType(), Shape: append([]int{}, t.Shape()...)}
	if t.DType() == tensor.Float32 {
		for _, v := range t.Data32() {
			b.Bits = append(b.Bits, uint64(math.Float32bits(v)))
		}
		return b
	}
	for _, v := range t.Data() {
		b.Bits = append(b.Bits, math.Float64bits(v))
	}
	return b
}

// f32s returns a Float32 tensor holding the given bit patterns.
func f32s(bits ...uint32) *tensor.Tensor {
	x := make([]float32, len(bits))
	for i, b := range bits {
		x[i] = math.Float32frombits(b)
	}
	return tensor.New32(x, len(x))
}

// rawTensor is one tensor of a safetensors file exactly as stored.
type rawTensor struct {
	DType DType
	Shape []int
	Bytes []byte
}

// rawTensors returns every tensor of the safetensors file b as stored,
// read with encoding/json, independently of Decode.
func rawTensors(t *testing.T, b []byte) map[string]rawTensor {
	t.Helper()
	n := binary.LittleEndian.Uint64(b)
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	buf := b[8+n:]
	out := map[string]rawTensor{}
	for name, raw := range hdr {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DType   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		out[name] = rawTensor{DType(e.DType), e.Shape, buf[e.Offsets[0]:e.Offsets[1]]}
	}
	return out
}

func rawFile(t *testing.T, path string) map[string]rawTensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return rawTensors(t, b)
}

// TestDecodeF32IsFloat32 decodes F32 tensors (a vector of edge values, a
// 0-d scalar, an empty tensor): each is a tensor.Float32 tensor holding
// the file's bits, a signalling NaN's payload included, and WriteTensors
// with its default type writes the same bytes back.
func TestDecodeF32IsFloat32(t *testing.T) {
	vec := []uint32{
		0x3f800000, // 1
		0x80000000, // -0
		0x00000001, // the smallest subnormal
		0x7f7fffff, // the largest float32
		0xff800000, // -Inf
		0x7fc00001, // a quiet NaN with a payload
		0x7f800001, // a signalling NaN
	}
	data := make([]byte, 0, 32)
	for _, b := range vec {
		data = binary.LittleEndian.AppendUint32(data, b)
	}
	data = binary.LittleEndian.AppendUint32(data, 0x40490fdb) // π, the scalar
	hdr := `{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"F32","shape":[],"data_offsets":[28,32]},"v":{"dtype":"F32","shape":[7],"data_offsets":[0,28]}}`
	file := withHeader(hdr, data)
	f, err := Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bitsOf{
		"v": tensorBits(f32s(vec...)),
		"s": {tensor.Float32, []int{}, []uint64{0x40490fdb}},
		"e": {tensor.Float32, []int{0, 3}, nil},
	}
	got := map[string]bitsOf{}
	for name, x := range f.Tensors {
		got[name] = tensorBits(x)
		if f.DTypes[name] != F32 {
			t.Errorf("DTypes[%q] = %s, want F32", name, f.DTypes[name])
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	var back bytes.Buffer
	if err := WriteTensors(&back, f.Tensors, nil, ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rawTensors(t, file), rawTensors(t, back.Bytes()), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("written back (-read +written):\n%s", diff)
	}
}

// TestWriteTensorsElementTypes writes a Float64 and a Float32 tensor with
// each dt and checks the stored dtype and bytes against encodings made
// here: "" keeps each tensor's type; F64 widens float32 exactly; F32
// rounds float64 to nearest even (1+2⁻²⁴ is a tie that goes to 1, 1e300
// overflows to +Inf) and keeps float32's bits.
func TestWriteTensorsElementTypes(t *testing.T) {
	d := []float64{0.1, 1 + 0x1p-24, 1e300, math.Copysign(0, -1)}
	s := []uint32{0x3dcccccd, 0x80000000, 0x00000001} // 0.1f, -0, the smallest subnormal
	ts := map[string]*tensor.Tensor{"d": tensor.New(d, 4), "s": f32s(s...)}
	le := binary.LittleEndian
	f64 := func(x []float64) []byte {
		var b []byte
		for _, v := range x {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f32 := func(x []uint32) []byte {
		var b []byte
		for _, v := range x {
			b = le.AppendUint32(b, v)
		}
		return b
	}
	sWide := []float64{float64(float32(0.1)), math.Copysign(0, -1), 0x1p-149}
	dNarrow := []uint32{0x3dcccccd, 0x3f800000, 0x7f800000, 0x80000000}
	tests := []struct {
		dt   DType
		want map[string]rawTensor
	}{
		{"", map[string]rawTensor{"d": {F64, []int{4}, f64(d)}, "s": {F32, []int{3}, f32(s)}}},
		{F64, map[string]rawTensor{"d": {F64, []int{4}, f64(d)}, "s": {F64, []int{3}, f64(sWide)}}},
		{F32, map[string]rawTensor{"d": {F32, []int{4}, f32(dNarrow)}, "s": {F32, []int{3}, f32(s)}}},
	}
	for _, tc := range tests {
		t.Run("dt="+string(tc.dt), func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTensors(&b, ts, nil, tc.dt); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rawTensors(t, b.Bytes())); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			f, err := Decode(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			for name, x := range f.Tensors {
				if want := map[DType]tensor.DType{F64: tensor.Float64, F32: tensor.Float32}[tc.want[name].DType]; x.DType() != want {
					t.Errorf("%s decoded as %v, want %v", name, x.DType(), want)
				}
			}
		})
	}
}

// float32Param returns a parameter named name holding a Float32 tensor.
func float32Param(name string, v ...float32) nn.NamedParam {
	return nn.NamedParam{Name: name, Var: autograd.NewNamedParam(name, tensor.New32(v, len(v)))}
}

// TestLoadConvertsToParamType loads one file tensor of each float dtype
// into a Float32 and a Float64 parameter; want is the parameter's bits
// afterwards: F32 into float32 bit for bit (NaNs too); F64 into
// float32 rounded to nearest even (1+2⁻²⁴ ties to 1, 1+3·2⁻²⁴ rounds up to
// 1+2⁻²², 3.5e38 overflows to +Inf, 1e-46 underflows to 0), as PyTorch's
// param.copy_ rounds; F32 into float64 widened exactly; F16 and BF16 into
// either exactly.
func TestLoadConvertsToParamType(t *testing.T) {
	// 0.1f, -0, the smallest subnormal, a quiet NaN with a payload and a
	// signalling NaN, which a round trip through float64 would quieten.
	f32Bits := []uint32{0x3dcccccd, 0x80000000, 0x00000001, 0x7fc00001, 0x7f800001}
	exact := []float64{1, -2.5, 0.125, 0.5} // held exactly by every float dtype
	tests := []struct {
		name  string
		file  *tensor.Tensor
		dt    DType
		param nn.NamedParam
		want  bitsOf
	}{
		{"F32 into float32", f32s(f32Bits...), "", float32Param("w", 0, 0, 0, 0, 0),
			tensorBits(f32s(f32Bits...))},
		{"F64 into float32", tensor.New([]float64{0.1, 1 + 0x1p-24, 1 + 3*0x1p-24, 3.5e38, 1e-46}, 5), "", float32Param("w", 0, 0, 0, 0, 0),
			tensorBits(f32s(0x3dcccccd, 0x3f800000, 0x3f800002, 0x7f800000, 0x00000000))},
		{"F32 into float64", f32s(0x3dcccccd, 0x80000000, 0x00000001), "", param("w", 0, 0, 0),
			tensorBits(tensor.New([]float64{float64(float32(0.1)), math.Copysign(0, -1), 0x1p-149}, 3))},
		{"F16 into float32", tensor.New(exact, 4), F16, float32Param("w", 0, 0, 0, 0),
			tensorBits(tensor.New32([]float32{1, -2.5, 0.125, 0.5}, 4))},
		{"BF16 into float32", tensor.New(exact, 4), BF16, float32Param("w", 0, 0, 0, 0),
			tensorBits(tensor.New32([]float32{1, -2.5, 0.125, 0.5}, 4))},
		{"BF16 into float64", tensor.New32([]float32{1, -2.5, 0.125, 0.5}, 4), BF16, param("w", 0, 0, 0, 0),
			tensorBits(tensor.New(exact, 4))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTensors(&b, map[string]*tensor.Tensor{"w": tc.file}, nil, tc.dt); err != nil {
				t.Fatal(err)
			}
			if err := Read(&b, named{tc.param}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, tensorBits(tc.param.Var.Value())); diff != "" {
				t.Errorf("parameter after loading (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSaveLoadElementTypes saves a float64 and a float32 model with each
// WithDType and loads the file into a float64 and a float32 model: the
// file holds F64 or F32 as asked (by default the model's own type), the
// loaded model keeps its type, and its values are the saved ones converted
// to the file's type and then to the model's (tensor.To: rounding to
// nearest, widening exactly), bit for bit.
func TestSaveLoadElementTypes(t *testing.T) {
	types := []tensor.DType{tensor.Float64, tensor.Float32}
	fileType := map[DType]tensor.DType{F64: tensor.Float64, F32: tensor.Float32}
	for _, src := range types {
		for _, dt := range []DType{"", F64, F32} {
			for _, dst := range types {
				want, opt := dt, "WithDType("+string(dt)+")"
				if want == "" {
					want, opt = map[tensor.DType]DType{tensor.Float64: F64, tensor.Float32: F32}[src], "default"
				}
				t.Run(src.String()+" "+opt+" into "+dst.String(), func(t *testing.T) {
					m := nn.To(torchMLP(1), src)
					p := filepath.Join(t.TempDir(), "m.safetensors")
					if err := Save(p, m, WithDType(dt)); err != nil {
						t.Fatal(err)
					}
					for name, r := range rawFile(t, p) {
						if r.DType != want {
							t.Errorf("%s stored as %s, want %s", name, r.DType, want)
						}
					}
					back := nn.To(torchMLP(2), dst)
					if err := Load(p, back); err != nil {
						t.Fatal(err)
					}
					var wantBits, gotBits []bitsOf
					for _, np := range m.NamedParams() {
						wantBits = append(wantBits, tensorBits(np.Var.Value().To(fileType[want]).To(dst)))
					}
					for _, np := range back.NamedParams() {
						gotBits = append(gotBits, tensorBits(np.Var.Value()))
					}
					if diff := cmp.Diff(wantBits, gotBits); diff != "" {
						t.Errorf("loaded parameters (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

// manifest32 is manifest_float32.json (see testdata/torch/README.md).
type manifest32 struct {
	Files map[string]struct {
		Tensors map[string]struct {
			DType     string
			Shape     []int
			Values    []float64
			AsFloat32 []float64 `json:"as_float32"`
		}
		Probe struct {
			Input         []float64
			InputShape    []int `json:"input_shape"`
			Output        []float64
			OutputFloat32 []float64 `json:"output_float32"`
		}
	}
}

func readManifest32(t *testing.T) manifest32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedDir, "manifest_float32.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest32
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// torchTanhMLP is tapegrad's twin of make_float32.py's model,
// Sequential(Linear(4,16), Tanh, Linear(16,3)), with its own weights.
func torchTanhMLP(seed uint64) *nn.Sequential {
	return nn.NewMLP(rand.New(rand.NewPCG(seed, 1)), []int{4, 16, 3}, nn.Tanh(), nil)
}

// TestTorchRoundTripBytes loads state dicts PyTorch wrote into a float32
// and a float64 model with Torch() and saves them back with Torch(): every
// tensor of the saved file has the dtype, shape and bytes of the wanted
// PyTorch file. Loading F32 into float32 and saving keeps PyTorch's bytes
// (no widening round trip), as F64 into float64 does; the 4-8-3 files hold
// one state dict in both types (the F32 one is PyTorch's .float() of the
// F64 one, whose values are float32 values), so F64 into float32 must give
// PyTorch's F32 bytes and F32 into float64 PyTorch's F64 bytes.
func TestTorchRoundTripBytes(t *testing.T) {
	tests := []struct {
		file  string
		model func(uint64) *nn.Sequential
		dt    tensor.DType
		want  string
	}{
		{"mlp_4_8_3_f32.safetensors", torchMLP, tensor.Float32, "mlp_4_8_3_f32.safetensors"},
		{"mlp_4_8_3_f64.safetensors", torchMLP, tensor.Float64, "mlp_4_8_3_f64.safetensors"},
		{"mlp_4_8_3_f64.safetensors", torchMLP, tensor.Float32, "mlp_4_8_3_f32.safetensors"},
		{"mlp_4_8_3_f32.safetensors", torchMLP, tensor.Float64, "mlp_4_8_3_f64.safetensors"},
		{"mlp_4_16_3_f32.safetensors", torchTanhMLP, tensor.Float32, "mlp_4_16_3_f32.safetensors"},
		{"mlp_4_16_3_f64.safetensors", torchTanhMLP, tensor.Float64, "mlp_4_16_3_f64.safetensors"},
	}
	for _, tc := range tests {
		t.Run(tc.file+" into "+tc.dt.String(), func(t *testing.T) {
			model := nn.To(tc.model(3), tc.dt)
			if err := Load(filepath.Join(sharedDir, tc.file), model, Torch()); err != nil {
				t.Fatal(err)
			}
			for _, np := range model.NamedParams() {
				if got := np.Var.Value().DType(); got != tc.dt {
					t.Errorf("%s is %v after loading, want %v", np.Name, got, tc.dt)
				}
			}
			p := filepath.Join(t.TempDir(), "back.safetensors")
			if err := Save(p, model, Torch()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(rawFile(t, filepath.Join(sharedDir, tc.want)), rawFile(t, p)); diff != "" {
				t.Errorf("tensors (-pytorch +saved):\n%s", diff)
			}
		})
	}
}

// TestTorchF64IntoFloat32 loads PyTorch 1.13's float64 state dict, whose
// weights are not float32 values, into a float32 model: each parameter
// holds exactly PyTorch's v.to(torch.float32) (the manifest's as_float32),
// and the float32 model's output on the probe matches PyTorch's float32
// model within 1e-6 (float32 sums of 4 and 16 products of numbers below
// about 1 in another order differ by a few float32 ulps, 2⁻²⁴ ≈ 6e-8
// each). PyTorch's float32 state dict loads into a float64 model widened
// exactly, and that model's output matches PyTorch's float32 output within
// the same bound.
func TestTorchF64IntoFloat32(t *testing.T) {
	m := readManifest32(t)
	tests := []struct {
		file string
		dt   tensor.DType
	}{
		{"mlp_4_16_3_f64.safetensors", tensor.Float32},
		{"mlp_4_16_3_f32.safetensors", tensor.Float64},
	}
	for _, tc := range tests {
		t.Run(tc.file+" into "+tc.dt.String(), func(t *testing.T) {
			entry := m.Files[tc.file]
			model := nn.To(torchTanhMLP(3), tc.dt)
			if err := Load(filepath.Join(sharedDir, tc.file), model, Torch()); err != nil {
				t.Fatal(err)
			}
			sd := StateDict(model, Torch())
			if len(sd) != len(entry.Tensors) {
				t.Errorf("state dict has %d tensors, the manifest %d", len(sd), len(entry.Tensors))
			}
			for name, want := range entry.Tensors {
				got := sd[name]
				if got == nil {
					t.Errorf("no parameter %q", name)
					continue
				}
				if got.DType() != tc.dt {
					t.Errorf("%s is %v, want %v", name, got.DType(), tc.dt)
				}
				// For F32 values widening is exact, so values == as_float32.
				if diff := cmp.Diff(want.AsFloat32, got.Float64s()); diff != "" {
					t.Errorf("%s (-pytorch +loaded):\n%s", name, diff)
				}
			}
			x := tensor.New(entry.Probe.Input, entry.Probe.InputShape...).To(tc.dt)
			y := model.Forward(nil, autograd.Const(x)).Value()
			if diff := cmp.Diff(entry.Probe.OutputFloat32, y.Float64s(), cmpopts.EquateApprox(0, 1e-6)); diff != "" {
				t.Errorf("probe output (-pytorch float32 +tapegrad):\n%s", diff)
			}
		})
	}
}

// TestStateConvertedToItsType saves a Standardizer's float64 statistics
// and an Adam's state as F32 (WithDType) and loads them back: Load gives
// each its own type (float64), the values rounded to float32 and widened,
// as Decode once widened every F32 tensor.
func TestStateConvertedToItsType(t *testing.T) {
	st := &data.Standardizer{Mean: []float64{0.1, -2}, Std: []float64{1.0 / 3, 4}}
	m := torchMLP(1)
	opt := optim.NewAdam(nn.Params(m), optim.AdamDefaults())
	train(m, opt, 2)
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(p, m, WithState("input", st), WithOptimizer(opt), WithDType(F32)); err != nil {
		t.Fatal(err)
	}
	var st2 data.Standardizer
	m2 := torchMLP(2)
	opt2 := optim.NewAdam(nn.Params(m2), optim.AdamDefaults())
	if err := Load(p, m2, WithState("input", &st2), WithOptimizer(opt2)); err != nil {
		t.Fatal(err)
	}
	round := func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(float32(v))
		}
		return out
	}
	if diff := cmp.Diff(round(st.Mean), st2.Mean); diff != "" {
		t.Errorf("mean (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(round(st.Std), st2.Std); diff != "" {
		t.Errorf("std (-want +got):\n%s", diff)
	}
	want := map[string]bitsOf{}
	for k, v := range opt.StateTensors() {
		want[k] = tensorBits(v.To(tensor.Float32).To(v.DType()))
	}
	got := map[string]bitsOf{}
	for k, v := range opt2.StateTensors() {
		got[k] = tensorBits(v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("optimiser state (-want +got):\n%s", diff)
	}
}

// TestOptimizerStateAcrossTypes trains a model of one element type with an
// optimiser, saves both, and loads them into a model and a fresh
// optimiser of the other type (PyTorch loads a float64 checkpoint into a
// float32 model, and its optimizer.load_state_dict casts the state to the
// parameters' type): the parameters and the parameter-shaped state take
// the new model's type, their values converted (tensor.To), bit for bit.
// SGD's momentum buffers do not exist in the fresh optimiser, so they
// reach it in the file's type and the optimiser converts them.
func TestOptimizerStateAcrossTypes(t *testing.T) {
	opts := []struct {
		name string
		make func([]autograd.Var) stepper
	}{
		{"Adam", func(p []autograd.Var) stepper { return optim.NewAdam(p, optim.AdamDefaults()) }},
		{"SGD momentum", func(p []autograd.Var) stepper {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
		}},
	}
	for _, o := range opts {
		for _, types := range [][2]tensor.DType{{tensor.Float64, tensor.Float32}, {tensor.Float32, tensor.Float64}} {
			from, to := types[0], types[1]
			t.Run(o.name+" "+from.String()+" into "+to.String(), func(t *testing.T) {
				src := nn.To(torchMLP(1), from)
				opt := o.make(nn.Params(src))
				train(src, opt, 3)
				p := filepath.Join(t.TempDir(), "m.safetensors")
				if err := Save(p, src, WithOptimizer(opt)); err != nil {
					t.Fatal(err)
				}
				dst := nn.To(torchMLP(2), to)
				opt2 := o.make(nn.Params(dst))
				if err := Load(p, dst, WithOptimizer(opt2)); err != nil {
					t.Fatal(err)
				}
				var wantP, gotP []bitsOf
				for _, v := range nn.Params(src) {
					wantP = append(wantP, tensorBits(v.Value().To(to)))
				}
				for _, v := range nn.Params(dst) {
					gotP = append(gotP, tensorBits(v.Value()))
				}
				if diff := cmp.Diff(wantP, gotP); diff != "" {
					t.Errorf("parameters (-want +got):\n%s", diff)
				}
				got := opt2.StateTensors()
				want := map[string]bitsOf{}
				gotBits := map[string]bitsOf{}
				for k, v := range opt.StateTensors() {
					d := v.DType() // 0-d step counts keep the optimiser's type
					if v.Rank() > 0 {
						d = to
					}
					want[k] = tensorBits(v.To(d))
				}
				for k, v := range got {
					gotBits[k] = tensorBits(v)
				}
				if diff := cmp.Diff(want, gotBits); diff != "" {
					t.Errorf("optimiser state (-want +got):\n%s", diff)
				}
			})
		}
	}
}

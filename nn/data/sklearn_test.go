package data

import (
	"io/fs"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The known values below were read from the files with head, tail and
// `awk -F, '{print $NF}' | sort | uniq -c` (class counts); the column means of
// iris and the mean of the diabetes target with awk, printed to 10 digits.
func TestLoaders(t *testing.T) {
	type summary struct {
		Name        string
		Shape       []int
		First, Last []float64 // first and last row of X
		Counts      []int     // samples per class, or nil for regression
		Classes     []string
		Features    int  // number of feature names
		FirstLabel  int  // label of the first row
		HasY        bool // regression target present
	}
	tests := []struct {
		load func() (*Dataset, error)
		want summary
	}{
		{Iris, summary{
			Name: "iris", Shape: []int{150, 4},
			First: []float64{5.1, 3.5, 1.4, 0.2}, Last: []float64{5.9, 3.0, 5.1, 1.8},
			Counts: []int{50, 50, 50}, Classes: []string{"setosa", "versicolor", "virginica"},
			Features: 4, FirstLabel: 0,
		}},
		{Wine, summary{
			Name: "wine", Shape: []int{178, 13},
			First:  []float64{14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065},
			Last:   []float64{14.13, 4.1, 2.74, 24.5, 96, 2.05, 0.76, 0.56, 1.35, 9.2, 0.61, 1.6, 560},
			Counts: []int{59, 71, 48}, Classes: []string{"class_0", "class_1", "class_2"},
			Features: 13, FirstLabel: 0,
		}},
		{BreastCancer, summary{
			Name: "breast_cancer", Shape: []int{569, 30},
			First: []float64{17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871,
				1.095, 0.9053, 8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193,
				25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189},
			Last: []float64{7.76, 24.54, 47.92, 181, 0.05263, 0.04362, 0, 0, 0.1587, 0.05884,
				0.3857, 1.428, 2.548, 19.15, 0.007189, 0.00466, 0, 0, 0.02676, 0.002783,
				9.456, 30.37, 59.16, 268.6, 0.08996, 0.06444, 0, 0, 0.2871, 0.07039},
			Counts: []int{212, 357}, Classes: []string{"malignant", "benign"},
			Features: 30, FirstLabel: 0,
		}},
		{Digits, summary{
			Name: "digits", Shape: []int{1797, 64},
			First: []float64{0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0,
				0, 4, 12, 0, 0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0,
				0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0},
			Last: []float64{0, 0, 10, 14, 8, 1, 0, 0, 0, 2, 16, 14, 6, 1, 0, 0, 0, 0, 15, 15, 8, 15, 0, 0,
				0, 0, 5, 16, 16, 10, 0, 0, 0, 0, 12, 15, 15, 12, 0, 0, 0, 4, 16, 6, 4, 16, 6, 0,
				0, 8, 16, 10, 8, 16, 8, 0, 0, 1, 8, 12, 14, 12, 1, 0},
			Counts:   []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180},
			Classes:  []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
			Features: 64, FirstLabel: 0,
		}},
		{Diabetes, summary{
			Name: "diabetes", Shape: []int{442, 10},
			First:    []float64{59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87},
			Last:     []float64{36, 1, 19.6, 71, 250, 133.2, 97, 3, 4.5951, 92},
			Features: 10, HasY: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.want.Name, func(t *testing.T) {
			ds, err := tt.load()
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if err := ds.Validate(); err != nil {
				t.Fatalf("invalid: %v", err)
			}
			n, p := ds.Len(), ds.Features()
			x := ds.X.Data()
			got := summary{
				Name: ds.Name, Shape: ds.X.Shape(),
				First: x[:p], Last: x[(n-1)*p:],
				Classes: ds.ClassNames, Features: len(ds.FeatureNames), HasY: ds.Y != nil,
			}
			if ds.Labels != nil {
				got.Counts = make([]int, ds.NumClasses())
				for _, l := range ds.Labels {
					got.Counts[l]++
				}
				got.FirstLabel = ds.Labels[0]
			}
			// The files hold short decimals; parsing them must give the same
			// float64 as the Go literals, so the comparison is exact.
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIrisFeatureNames(t *testing.T) {
	ds, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"}
	if diff := cmp.Diff(want, ds.FeatureNames); diff != "" {
		t.Errorf("feature names (-want +got):\n%s", diff)
	}
	// Column means 5.8433333333 3.0573333333 3.758 1.1993333333 (awk); the
	// tolerance covers awk's 10 printed digits.
	var mean [4]float64
	for i := range ds.Len() {
		for j := range mean {
			mean[j] += ds.X.At(i, j) / 150
		}
	}
	wantMean := []float64{5.8433333333, 3.0573333333, 3.758, 1.1993333333}
	if diff := cmp.Diff(wantMean, mean[:], cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("iris column means (-want +got):\n%s", diff)
	}
}

func TestDiabetesTarget(t *testing.T) {
	ds, err := Diabetes()
	if err != nil {
		t.Fatal(err)
	}
	y := ds.Y.Data()
	// First and last targets 151 and 57 (head/tail of the file), range
	// 25…346 (sort -g), mean 152.133484 (awk, 6 decimals printed).
	got := []float64{y[0], y[len(y)-1], slices.Min(y), slices.Max(y), sum(y) / float64(len(y))}
	want := []float64{151, 57, 25, 346, 152.133484}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-6)); diff != "" {
		t.Errorf("diabetes target (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"}, ds.FeatureNames); diff != "" {
		t.Errorf("feature names (-want +got):\n%s", diff)
	}
}

func TestFeatureNames(t *testing.T) {
	bc, err := BreastCancer()
	if err != nil {
		t.Fatal(err)
	}
	dg, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	wn, err := Wine()
	if err != nil {
		t.Fatal(err)
	}
	// scikit-learn 1.2's feature_names at a few positions.
	got := []string{bc.FeatureNames[0], bc.FeatureNames[10], bc.FeatureNames[29], dg.FeatureNames[0], dg.FeatureNames[13], dg.FeatureNames[63], wn.FeatureNames[11]}
	want := []string{"mean radius", "radius error", "worst fractal dimension", "pixel_0_0", "pixel_1_5", "pixel_7_7", "od280/od315_of_diluted_wines"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("feature names (-want +got):\n%s", diff)
	}
}

func TestLoadersFresh(t *testing.T) {
	a, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	a.X.Set(-1, 0, 0)
	a.ClassNames[0] = "changed"
	a.FeatureNames[0] = "changed"
	b, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	if b.X.At(0, 0) != 5.1 || b.ClassNames[0] != "setosa" || b.FeatureNames[0] != "sepal length (cm)" {
		t.Errorf("modifying one Iris() result changed the next: %v %q %q", b.X.At(0, 0), b.ClassNames[0], b.FeatureNames[0])
	}
}

func TestEmbeddedFiles(t *testing.T) {
	// Every embedded file must be loaded by some loader: none left over.
	entries, err := fs.ReadDir(files, "files")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"breast_cancer.csv", "diabetes_data_raw.csv.gz", "diabetes_target.csv.gz", "digits.csv.gz", "iris.csv", "wine_data.csv"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("embedded files (-want +got):\n%s", diff)
	}
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func BenchmarkLoaders(b *testing.B) {
	for _, bb := range []struct {
		name string
		load func() (*Dataset, error)
	}{{"Iris", Iris}, {"Digits", Digits}, {"Diabetes", Diabetes}, {"BreastCancer", BreastCancer}, {"Wine", Wine}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bb.load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

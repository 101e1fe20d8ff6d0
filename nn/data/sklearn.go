package data

import (
	"embed"
	"fmt"
	"io"

	"github.com/tapegrad/tapegrad/tensor"
)

// files holds scikit-learn's small data sets, copied unchanged from Debian's
// python3-sklearn 1.2.1+dfsg-1 (BSD-3-Clause); files/README.md gives the
// attribution and the original sources.
//
//go:embed files/iris.csv files/digits.csv.gz files/diabetes_data_raw.csv.gz files/diabetes_target.csv.gz files/breast_cancer.csv files/wine_data.csv
var files embed.FS

// Feature names as scikit-learn 1.2 reports them (load_*().feature_names).
var (
	irisFeatures = []string{"sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"}

	diabetesFeatures = []string{"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"}

	wineFeatures = []string{
		"alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium",
		"total_phenols", "flavanoids", "nonflavanoid_phenols", "proanthocyanins",
		"color_intensity", "hue", "od280/od315_of_diluted_wines", "proline",
	}

	breastCancerFeatures = func() []string {
		base := []string{
			"radius", "texture", "perimeter", "area", "smoothness",
			"compactness", "concavity", "concave points", "symmetry", "fractal dimension",
		}
		var names []string
		for _, f := range []string{"mean %s", "%s error", "worst %s"} {
			for _, b := range base {
				names = append(names, fmt.Sprintf(f, b))
			}
		}
		return names
	}()
)

// Iris returns Fisher's iris data: 150 flowers, 4 features (sepal and petal
// length and width in cm), 3 classes (setosa, versicolor, virginica; 50
// each). Source: R. A. Fisher, Annals of Eugenics 7(2), 1936, via
// scikit-learn. It parses the embedded file on every call (about 0.1 ms).
func Iris() (*Dataset, error) {
	return loadSklearnCSV("iris", "iris.csv", 150, irisFeatures)
}

// Wine returns the wine recognition data: 178 wines, 13 chemical features,
// 3 cultivars (class_0 59, class_1 71, class_2 48). Source: Forina et al.,
// PARVUS, via the UCI ML Repository and scikit-learn.
func Wine() (*Dataset, error) {
	return loadSklearnCSV("wine", "wine_data.csv", 178, wineFeatures)
}

// BreastCancer returns the Wisconsin diagnostic breast cancer data: 569
// tumours, 30 features (mean, standard error and worst of ten cell-nucleus
// measurements), 2 classes: 0 malignant (212), 1 benign (357). Source:
// Wolberg, Street, Mangasarian, UCI ML Repository, 1995, via scikit-learn.
func BreastCancer() (*Dataset, error) {
	return loadSklearnCSV("breast_cancer", "breast_cancer.csv", 569, breastCancerFeatures)
}

// Digits returns the 8×8 handwritten digits: 1797 images, 64 features (the
// pixels row by row, integers 0…16, not rescaled), 10 classes "0"…"9".
// Source: the test set of UCI optdigits (Alpaydin, Kaynak, 1998), via
// scikit-learn. Feature names are "pixel_ROW_COL" as in scikit-learn.
func Digits() (*Dataset, error) {
	const name, file = "digits", "digits.csv.gz"
	m, err := parseEmbedded(file, func(f io.Reader) (*tensor.Tensor, error) { return ParseMatrix(f, ',', 65) })
	if err != nil {
		return nil, err
	}
	x, labels, err := splitLabels(m, len(digitNames))
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", file, err)
	}
	features := make([]string, 64)
	for i := range features {
		features[i] = fmt.Sprintf("pixel_%d_%d", i/8, i%8)
	}
	ds := &Dataset{Name: name, X: x, Labels: labels, ClassNames: append([]string(nil), digitNames...), FeatureNames: features}
	return checkCount(ds, file, 1797)
}

// Diabetes returns the diabetes progression data for regression: 442
// patients, 10 raw (unscaled) baseline features — age, sex, body mass index,
// mean blood pressure and six blood serum measurements s1…s6 — and Y, a
// measure of disease progression one year later (25…346). Source: Efron,
// Hastie, Johnstone, Tibshirani, "Least Angle Regression", Annals of
// Statistics 32(2), 2004, via scikit-learn. Unlike scikit-learn's default,
// the features are not scaled; use a Standardizer.
func Diabetes() (*Dataset, error) {
	const xFile, yFile = "diabetes_data_raw.csv.gz", "diabetes_target.csv.gz"
	x, err := parseEmbedded(xFile, func(f io.Reader) (*tensor.Tensor, error) { return ParseMatrix(f, ' ', 10) })
	if err != nil {
		return nil, err
	}
	y, err := parseEmbedded(yFile, func(f io.Reader) (*tensor.Tensor, error) { return ParseMatrix(f, ' ', 1) })
	if err != nil {
		return nil, err
	}
	if x.Dim(0) != y.Dim(0) {
		return nil, &formatError{msg: fmt.Sprintf("data: %s has %d rows but %s has %d", xFile, x.Dim(0), yFile, y.Dim(0))}
	}
	ds := &Dataset{
		Name:         "diabetes",
		X:            x,
		Y:            tensor.New(y.Data(), y.Dim(0)), // (n, 1) → (n,), same storage
		FeatureNames: append([]string(nil), diabetesFeatures...),
	}
	return checkCount(ds, xFile, 442)
}

// parseEmbedded opens files/name and parses it, prefixing errors with name.
func parseEmbedded[T any](name string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := files.Open("files/" + name)
	if err != nil {
		return zero, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("data: %s: %w", name, err)
	}
	return v, nil
}

// loadSklearnCSV parses an embedded file in ParseCSV's layout and names it.
func loadSklearnCSV(name, file string, n int, features []string) (*Dataset, error) {
	ds, err := parseEmbedded(file, func(f io.Reader) (*Dataset, error) { return ParseCSV(f) })
	if err != nil {
		return nil, err
	}
	if ds.Features() != len(features) {
		return nil, &formatError{msg: fmt.Sprintf("data: %s: %d features, want %d", file, ds.Features(), len(features))}
	}
	ds.Name = name
	ds.FeatureNames = append([]string(nil), features...)
	return checkCount(ds, file, n)
}

// checkCount guards against a damaged embedded file that still parses.
func checkCount(ds *Dataset, file string, n int) (*Dataset, error) {
	if ds.Len() != n {
		return nil, &formatError{msg: fmt.Sprintf("data: %s: %d samples, want %d", file, ds.Len(), n)}
	}
	return ds, nil
}

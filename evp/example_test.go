package evp_test

import (
	"fmt"

	"github.com/greenai/greenai/evp"
)

// Expected best validation accuracy after n trials of a random search that
// produced five trials. Two trials tie for the best score, so without
// replacement any four trials are sure to include one of them.
func Example() {
	scores := []float64{0.71, 0.65, 0.74, 0.69, 0.74}
	s, err := evp.NewScores(scores)
	if err != nil {
		panic(err)
	}
	for _, e := range evp.Estimators {
		pts, err := s.Curve(e, evp.Range(1, s.Len()))
		if err != nil {
			panic(err)
		}
		fmt.Println(e)
		for _, p := range pts {
			fmt.Printf("  n=%d  E[max]=%.4f  sd=%.4f\n", p.N, p.Mean, p.SD)
		}
	}
	// Output:
	// with_replacement
	//   n=1  E[max]=0.7060  sd=0.0338
	//   n=2  E[max]=0.7244  sd=0.0237
	//   n=3  E[max]=0.7319  sd=0.0166
	//   n=4  E[max]=0.7355  sd=0.0121
	//   n=5  E[max]=0.7374  sd=0.0090
	// without_replacement
	//   n=1  E[max]=0.7060  sd=0.0338
	//   n=2  E[max]=0.7290  sd=0.0176
	//   n=3  E[max]=0.7370  sd=0.0090
	//   n=4  E[max]=0.7400  sd=0.0000
	//   n=5  E[max]=0.7400  sd=0.0000
}
